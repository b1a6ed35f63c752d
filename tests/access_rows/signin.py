"""Access rows of issue 21's two-step sign-in, signed-in devices and suspension
(tests/test_two_factor.py, test_devices.py and test_suspension.py test the pages themselves).

Nobody in the world has a second factor or a half-finished sign-in: the code step sends
everyone on (anonymous back to sign in, the signed-in home). Empty forms are refused (422) by
those who may use them; reactivating an account that is not suspended is a 409. A device id
that is not one of the person's own is a 404; a coordinator's suspend pages are for their own
current staff only (404 for anyone else).
"""

GET = {
    "/login/two-factor": (302, 302, 302, 302, 302, 302),
    "/two-factor/setup": (302, 200, 200, 200, 200, 200),
    "/account/two-factor/off": (302, 302, 302, 302, 302, 302),
    "/admin/people/{other}/suspend": (302, 403, 403, 403, 403, 200),
    "/admin/people/987654/suspend": (302, 403, 403, 403, 403, 404),
    "/ministry/{ministry}/people/{learner}/suspend": (302, 403, 200, 403, 403, 403),
    "/ministry/{ministry}/people/{other}/suspend": (302, 403, 404, 403, 403, 403),
    "/ministry/{other_ministry}/people/{other}/suspend": (302, 403, 404, 403, 403, 403),
}

POST = {
    "/login/two-factor": (302, 302, 302, 302, 302, 302),
    "/two-factor/setup": (302, 422, 422, 422, 422, 422),
    "/account/two-factor/off": (302, 302, 302, 302, 302, 302),
    "/account/devices/987654/sign-out": (302, 404, 404, 404, 404, 404),
    "/account/devices/sign-out-others": (302, 302, 302, 302, 302, 302),
    "/admin/people/{other}/suspend": (302, 403, 403, 403, 403, 422),
    "/admin/people/{other}/reactivate": (302, 403, 403, 403, 403, 409),
    "/admin/people/987654/reactivate": (302, 403, 403, 403, 403, 404),
    "/ministry/{ministry}/people/{learner}/suspend": (302, 403, 422, 403, 403, 403),
    "/ministry/{ministry}/people/{learner}/reactivate": (302, 403, 409, 403, 403, 403),
    "/ministry/{ministry}/people/{other}/reactivate": (302, 403, 404, 403, 403, 403),
    "/ministry/{other_ministry}/people/{other}/suspend": (302, 403, 404, 403, 403, 403),
}

A_SIDE = ()
