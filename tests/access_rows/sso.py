"""Access rows of issue 21's single sign-on (tests/test_sso.py and test_sso_admin.py test the
pages themselves).

The provider's way back answers 400 to anyone who has no sign-in under way (none has, here);
a ministry's sign-in settings are the platform administrators' alone.
"""

GET = {
    "/sso/callback": (400, 400, 400, 400, 400, 400),
    "/admin/ministries/{ministry}/sso": (302, 403, 403, 403, 403, 200),
    "/admin/ministries/987654/sso": (302, 403, 403, 403, 403, 404),
}

POST = {
    "/admin/ministries/{ministry}/sso": (302, 403, 403, 403, 403, 422),
}

A_SIDE = ()
