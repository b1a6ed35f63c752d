"""Access rows for a ministry's learning record stores and webhooks (issue 17): its
coordinators and the administrators; another ministry's coordinator gets 404, as for a
ministry that does not exist. ``{record_store}``, ``{webhook}`` and ``{delivery}`` are ministry
A's; the retry of a delivery that was not given up is a 409."""

from __future__ import annotations

COORDINATOR_AND_ADMIN = (302, 403, 200, 403, 403, 200)

GET = {
    "/ministry/{ministry}/deliveries": COORDINATOR_AND_ADMIN,
    "/ministry/{other_ministry}/deliveries": (302, 403, 404, 403, 403, 200),
    "/ministry/987654/deliveries": (302, 403, 404, 403, 403, 404),
}

POST = {
    "/ministry/{ministry}/deliveries/stores": (302, 403, 422, 403, 403, 422),
    "/ministry/{other_ministry}/deliveries/stores": (302, 403, 404, 403, 403, 422),
    "/ministry/{ministry}/deliveries/stores/{record_store}/remove": (302, 403, 302, 403, 403, 302),
    "/ministry/{other_ministry}/deliveries/stores/{record_store}/remove": (
        302,
        403,
        404,
        403,
        403,
        404,
    ),
    "/ministry/{ministry}/deliveries/webhooks": (302, 403, 422, 403, 403, 422),
    "/ministry/{ministry}/deliveries/webhooks/{webhook}/remove": (302, 403, 302, 403, 403, 302),
    "/ministry/{ministry}/deliveries/webhooks/987654/remove": (302, 403, 404, 403, 403, 404),
    "/ministry/{ministry}/deliveries/{delivery}/retry": (302, 403, 409, 403, 403, 409),
    "/ministry/{other_ministry}/deliveries/{delivery}/retry": (302, 403, 404, 403, 403, 404),
}

A_SIDE = ("{record_store}", "{webhook}", "{delivery}")


def extend_world(app, db, world) -> dict:
    """A learning record store and a webhook of ministry A, and one delivery to the store."""
    import sqlalchemy as sa

    from diplolearn.models import Ministry, OutboundDelivery, User
    from diplolearn.services.outbound import stores, webhooks
    from diplolearn.services.outbound.queue import Destination, enqueue

    with app.test_request_context("/"):
        ministry = db.session.get(Ministry, world["ids"]["ministry"])
        coordinator = db.session.get(User, world["users"]["coordinator"].id)
        store = stores.add_store(
            ministry,
            name="Matrix LRS",
            endpoint="https://lrs.example.org/xAPI/",
            username="",
            password="",
            share_email=False,
            by=coordinator,
        )
        hook, _secret = webhooks.add_webhook(
            ministry, "https://hr.example.org/hooks", ["certificate.issued"], coordinator
        )
        destination = Destination(f"store:{store.id}", "statement", ministry.id, store.id)
        enqueue([(destination, "registered", "matrix-statement", {"id": "matrix-statement"})])
        delivery = db.session.scalar(
            sa.select(OutboundDelivery).where(OutboundDelivery.payload_id == "matrix-statement")
        )
        db.session.commit()
        return {"record_store": store.id, "webhook": hook.id, "delivery": delivery.id}
