"""Discussion on the text: annotating paragraphs, who reads what (group, cohort, private notes,
tutors, leads, never coordinators), guessed ids, bad input, versions and shared anchors,
counts in constant queries, the completion rule, the pinned prompts, tutors' tools."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from diplolearn.demo import discussion as demo_discussion
from diplolearn.models import (
    Annotation,
    AnnotationMention,
    AuditEvent,
    CourseVersion,
    Lesson,
    LessonRevision,
    ModuleSchedule,
    OutboxMessage,
    Paragraph,
    ParagraphRevision,
    Role,
    utcnow,
)
from diplolearn.security.scoping import learner_discussion
from diplolearn.services import progress
from diplolearn.services.cohorts import organisations
from diplolearn.services.discussion import (
    DiscussionRefused,
    moderation,
    posting,
    reading,
    validation,
)
from tests.conftest import login, post_form
from tests.factories import (
    make_cohort,
    make_learner,
    make_ministry,
    make_published_course,
    make_with_role,
)


def client_for(app, email):
    client = app.test_client()
    login(client, email)
    return client


@pytest.fixture()
def world(app, db):
    published = make_published_course(
        modules=2, lessons_per_module=1, paragraphs=3, with_quiz=False
    )
    published.module_revision("m1").discussion = {
        "id": "m1-discussion",
        "prompt": {
            "en": "Is digital diplomacy a complement?",
            "ar": "هل الدبلوماسية الرقمية مكمّل؟",
        },
    }
    cohort = make_cohort(published.course, key="spring")
    other_cohort = make_cohort(published.course, key="autumn")
    g1 = organisations.add_tutor_group(cohort, "g1", "Group One")
    g2 = organisations.add_tutor_group(cohort, "g2", "Group Two")
    g3 = organisations.add_tutor_group(other_cohort, "g3", "Group Three")
    ministry = make_ministry()
    ann = make_learner(cohort, ministry, group=g1, email="ann@example.org")[1]
    ben = make_learner(cohort, ministry, group=g1, email="ben@example.org")[1]
    cal = make_learner(cohort, ministry, group=g2, email="cal@example.org")[1]
    dia = make_learner(other_cohort, ministry, group=g3, email="dia@example.org")[1]
    tutor = make_with_role(Role.TUTOR, g1.id, email="tutor1@example.org")
    tutor2 = make_with_role(Role.TUTOR, g2.id, email="tutor2@example.org")
    lead = make_with_role(Role.LEAD_INSTRUCTOR, cohort.id, email="lead@example.org")
    other_lead = make_with_role(Role.LEAD_INSTRUCTOR, other_cohort.id, email="lead2@example.org")
    coordinator = make_with_role(Role.COORDINATOR, ministry.id, email="coord@example.org")
    # Module 2 opens next week in the spring cohort.
    m2 = published.module_revision("m2").module_id
    db.session.add(
        ModuleSchedule(cohort_id=cohort.id, module_id=m2, opens_at=utcnow() + dt.timedelta(days=7))
    )
    db.session.commit()
    return SimpleNamespace(
        published=published,
        cohort=cohort,
        other_cohort=other_cohort,
        g1=g1,
        g2=g2,
        g3=g3,
        ann=ann,
        ben=ben,
        cal=cal,
        dia=dia,
        tutor=tutor,
        tutor2=tutor2,
        lead=lead,
        other_lead=other_lead,
        coordinator=coordinator,
        ministry=ministry,
    )


def paragraph_path(enrolment, lesson="m1-l1", paragraph="p1"):
    return f"/learn/{enrolment.id}/lessons/{lesson}/paragraphs/{paragraph}"


def annotate(
    app,
    enrolment,
    email,
    body="Why does the paper call it a tool?",
    *,
    paragraph="p1",
    lesson="m1-l1",
    kind="question",
    expect=302,
    **extra,
):
    client = client_for(app, email)
    path = paragraph_path(enrolment, lesson, paragraph)
    response = post_form(
        client,
        path,
        {"kind": kind, "body": body, "lang": "en", **extra},
        form_page=paragraph_path(enrolment),
    )
    assert response.status_code == expect, response.get_data(as_text=True)[:3000]
    return response


def posts(db):
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Annotation).order_by(Annotation.id)))


def text_of(app, email, path):
    response = client_for(app, email).get(path)
    return response.status_code, response.get_data(as_text=True)


# --- posting and the lesson page ---------------------------------------------------------------


def test_a_learner_annotates_a_paragraph_without_javascript(app, db, world):
    status, html = text_of(app, "ann@example.org", f"/learn/{world.ann.id}/lessons/m1-l1")
    assert status == 200
    assert f'href="/learn/{world.ann.id}/lessons/m1-l1/paragraphs/p2#discussion"' in html
    assert "discussion.js" in html and "<script>" not in html
    annotate(
        app,
        world.ann,
        "ann@example.org",
        kind="reference",
        body="See the **EU** strategy.",
        url="https://eeas.europa.eu/strategy",
    )
    [post] = posts(db)
    paragraph = db.session.get(Paragraph, post.paragraph_id)
    assert (post.kind, paragraph.key, post.lang, post.audience) == (
        "reference",
        "p1",
        "en",
        "group",
    )
    assert post.url == "https://eeas.europa.eu/strategy"
    assert post.course_version_id == world.published.version.id
    assert post.tutor_group_id == world.g1.id and post.cohort_id == world.cohort.id
    status, html = text_of(app, "ann@example.org", f"/learn/{world.ann.id}/lessons/m1-l1")
    assert "1 post" in html
    status, html = text_of(app, "ann@example.org", paragraph_path(world.ann))
    assert "<strong>EU</strong>" in html and "eeas.europa.eu/strategy" in html


@pytest.mark.parametrize(
    "body, url, message",
    [
        ("", "", "the text is empty"),
        ("x" * (validation.MAX_BODY + 1), "", "too long"),
        ("Look <script>alert(1)</script>", "", "not allowed"),
        ("[click](javascript:alert(1))", "", "not allowed"),
        ('<img src=x onerror="alert(1)">', "", "not allowed"),
        ("A source", "javascript:alert(1)", "http://"),
    ],
)
def test_bad_input_gets_a_clear_message_and_stores_nothing(app, db, world, body, url, message):
    response = annotate(
        app, world.ann, "ann@example.org", body=body, url=url, kind="reference", expect=422
    )
    assert message in response.get_data(as_text=True)
    assert posts(db) == []


def test_an_unknown_anchor_or_lesson_is_refused_and_stores_nothing(app, db, world):
    client = client_for(app, "ann@example.org")
    for path in (
        paragraph_path(world.ann, paragraph="p99"),
        paragraph_path(world.ann, lesson="nope"),
    ):
        response = post_form(
            client,
            path,
            {"kind": "comment", "body": "hi", "lang": "en"},
            form_page=paragraph_path(world.ann),
        )
        assert response.status_code == 404
    # A paragraph of another lesson is not an anchor of this one.
    response = post_form(
        client,
        paragraph_path(world.ann, lesson="m1-l1", paragraph="p1"),
        {"kind": "opinion", "body": "hi", "lang": "en"},
        form_page=paragraph_path(world.ann),
    )
    assert response.status_code == 422
    assert posts(db) == []


def test_a_post_to_a_lesson_not_yet_released_is_refused(app, db, world):
    response = annotate(app, world.ann, "ann@example.org", lesson="m2-l1", expect=403)
    assert "not open to you yet" in response.get_data(as_text=True)
    assert posts(db) == []
    assert (
        client_for(app, "ann@example.org")
        .get(paragraph_path(world.ann, lesson="m2-l1"))
        .status_code
        == 403
    )


def test_a_language_the_course_does_not_have_is_refused(app, db, world):
    client = client_for(app, "ann@example.org")
    response = post_form(
        client, paragraph_path(world.ann), {"kind": "comment", "body": "hi", "lang": "xx"}
    )
    assert response.status_code == 422
    assert "not one of this course" in response.get_data(as_text=True)
    assert posts(db) == []


# --- who reads what ----------------------------------------------------------------------------


def _visible(app, email, path, marker):
    status, html = text_of(app, email, path)
    return status == 200 and marker in html


def test_visibility_matrix(app, db, world):
    annotate(app, world.ann, "ann@example.org", body="Group question zebra")
    annotate(
        app, world.ann, "ann@example.org", body="Private note yak", private="y", kind="comment"
    )
    group_post, note = posts(db)
    assert note.audience == "private"
    # Learners: same group yes (not the note), other group / other cohort no.
    assert _visible(app, "ben@example.org", paragraph_path(world.ben), "zebra")
    assert not _visible(app, "ben@example.org", paragraph_path(world.ben), "yak")
    assert not _visible(app, "cal@example.org", paragraph_path(world.cal), "zebra")
    assert not _visible(app, "dia@example.org", paragraph_path(world.dia), "zebra")
    assert _visible(app, "ann@example.org", paragraph_path(world.ann), "yak")
    # Counts beside the text follow the same rule.
    assert "2 posts" in text_of(app, "ann@example.org", f"/learn/{world.ann.id}/lessons/m1-l1")[1]
    assert "1 post" in text_of(app, "ben@example.org", f"/learn/{world.ben.id}/lessons/m1-l1")[1]
    assert (
        " post<" not in text_of(app, "cal@example.org", f"/learn/{world.cal.id}/lessons/m1-l1")[1]
    )
    # Staff: the group's tutor and the lead read the thread, never the private note; the
    # other group's tutor, the other cohort's lead and the coordinator read nothing.
    thread = f"/teach/cohorts/{world.cohort.id}/discussion/{group_post.id}"
    note_page = f"/teach/cohorts/{world.cohort.id}/discussion/{note.id}"
    assert _visible(app, "tutor1@example.org", thread, "zebra")
    assert _visible(app, "lead@example.org", thread, "zebra")
    for email in ("tutor1@example.org", "lead@example.org"):
        assert text_of(app, email, note_page)[0] == 404
    assert text_of(app, "tutor2@example.org", thread)[0] == 404
    assert text_of(app, "lead2@example.org", thread)[0] == 404
    assert text_of(app, "coord@example.org", thread)[0] in (403, 404)
    inbox = f"/teach/cohorts/{world.cohort.id}/discussion"
    assert _visible(app, "tutor1@example.org", inbox, "zebra")
    assert not _visible(app, "tutor2@example.org", inbox, "zebra")
    assert text_of(app, "coord@example.org", inbox)[0] in (403, 404)


def test_guessed_ids_answer_404_like_missing_ones(app, db, world):
    annotate(app, world.ann, "ann@example.org", body="Group question zebra")
    annotate(app, world.ann, "ann@example.org", body="Private yak", private="y", kind="comment")
    group_post, note = posts(db)
    cal = client_for(app, "cal@example.org")
    ben = client_for(app, "ben@example.org")
    for client, enrolment, post in ((cal, world.cal, group_post), (ben, world.ben, note)):
        assert client.get(f"/learn/{enrolment.id}/discussion/{post.id}").status_code == 404
        for action in ("replies", "resolve"):
            response = post_form(
                client,
                f"/learn/{enrolment.id}/discussion/{post.id}/{action}",
                {"body": "sneaky", "lang": "en"},
                form_page=paragraph_path(enrolment),
            )
            assert response.status_code == 404
    # Someone else's enrolment id is not a way in either.
    assert cal.get(paragraph_path(world.ann)).status_code == 404
    missing = note.id + 1000
    assert ben.get(f"/learn/{world.ben.id}/discussion/{missing}").status_code == 404
    assert len(posts(db)) == 2


def test_a_learner_who_moves_group_keeps_their_own_posts_not_the_old_groups(app, db, world):
    annotate(app, world.ann, "ann@example.org", body="Ann's question zebra")
    annotate(app, world.ben, "ben@example.org", body="Ben's comment okapi", kind="comment")
    world.ann.tutor_group_id = world.g2.id
    db.session.commit()
    _status, html = text_of(app, "ann@example.org", paragraph_path(world.ann))
    assert "zebra" in html and "okapi" not in html
    # The post stays with the group it was made in: Ben still reads it, Cal does not.
    assert _visible(app, "ben@example.org", paragraph_path(world.ben), "zebra")
    assert not _visible(app, "cal@example.org", paragraph_path(world.cal), "zebra")
    # Her old group's thread takes no new reply from her.
    question = posts(db)[0]
    response = post_form(
        client_for(app, "ann@example.org"),
        f"/learn/{world.ann.id}/discussion/{question.id}/replies",
        {"body": "Still here?", "lang": "en"},
        form_page=paragraph_path(world.ann),
    )
    assert response.status_code == 302 and len(posts(db)) == 2


# --- threads -----------------------------------------------------------------------------------


def test_replies_tutor_answers_resolution_and_mentions(app, db, world, sent_mail):
    world.ben.user.notify_by_mail = True
    db.session.commit()
    annotate(
        app,
        world.ann,
        "ann@example.org",
        body="What is public diplomacy?",
        mentions=str(world.ben.user_id),
    )
    [question] = posts(db)
    mention = db.session.scalar(sa.select(AnnotationMention))
    assert mention.user_id == world.ben.user_id
    assert (
        db.session.scalar(
            sa.select(OutboxMessage).where(
                OutboxMessage.to_user_id == world.ben.user_id,
                OutboxMessage.kind == "discussion_mention",
            )
        )
        is not None
    )
    # Ben replies; he cannot mark his reply as the tutor's answer.
    ben = client_for(app, "ben@example.org")
    response = post_form(
        ben,
        f"/learn/{world.ben.id}/discussion/{question.id}/replies",
        {"body": "I think it is about audiences.", "lang": "en", "tutor_answer": "y"},
        form_page=paragraph_path(world.ben),
    )
    assert response.status_code == 302
    assert len(posts(db)) == 1
    response = post_form(
        ben,
        f"/learn/{world.ben.id}/discussion/{question.id}/replies",
        {"body": "I think it is about audiences.", "lang": "en"},
        form_page=paragraph_path(world.ben),
    )
    assert response.status_code == 302
    # The tutor answers, marked as such; the question leaves the inbox.
    tutor = client_for(app, "tutor1@example.org")
    thread = f"/teach/cohorts/{world.cohort.id}/discussion/{question.id}"
    inbox = f"/teach/cohorts/{world.cohort.id}/discussion"
    assert "What is public diplomacy?" in tutor.get(inbox).get_data(as_text=True)
    response = post_form(
        tutor,
        thread + "/replies",
        {"body": "Engaging foreign publics.", "lang": "en", "tutor_answer": "y"},
        form_page=thread,
    )
    assert response.status_code == 302
    _question_row, reply, answer = posts(db)
    assert reply.parent_id == question.id and not reply.is_tutor_answer
    assert answer.is_tutor_answer and answer.tutor_group_id == world.g1.id
    assert "What is public diplomacy?" not in tutor.get(inbox).get_data(as_text=True)
    html = text_of(app, "ann@example.org", paragraph_path(world.ann))[1]
    assert "Tutor&#39;s answer" in html or "Tutor's answer" in html
    # Only the asker (or staff) resolves.
    response = post_form(
        ben,
        f"/learn/{world.ben.id}/discussion/{question.id}/resolve",
        {},
        form_page=paragraph_path(world.ben),
    )
    assert posts(db)[0].resolved_at is None
    ann = client_for(app, "ann@example.org")
    post_form(
        ann,
        f"/learn/{world.ann.id}/discussion/{question.id}/resolve",
        {},
        form_page=paragraph_path(world.ann),
    )
    assert posts(db)[0].resolved_by_id == world.ann.user_id


def test_mentions_are_limited_to_the_group(app, db, world):
    response = annotate(
        app, world.ann, "ann@example.org", mentions=str(world.cal.user_id), expect=422
    )
    assert "members of this discussion" in response.get_data(as_text=True)
    assert posts(db) == []


def test_private_notes_take_no_replies(app, db, world):
    annotate(app, world.ann, "ann@example.org", body="Note", private="y", kind="comment")
    [note] = posts(db)
    with pytest.raises(DiscussionRefused):
        posting.reply(world.ann.user, note, body="me again", lang="en", cohort=world.cohort)


def test_arabic_and_english_texts_share_anchors(app, db, world):
    world.ben.user.reading_language = "ar"
    world.ben.user.interface_language = "ar"
    db.session.commit()
    client = client_for(app, "ben@example.org")
    response = post_form(
        client,
        paragraph_path(world.ben, paragraph="p2"),
        {"kind": "question", "body": "ما المقصود بالأداة؟", "lang": "ar"},
    )
    assert response.status_code == 302
    [post] = posts(db)
    assert post.lang == "ar"
    html = text_of(app, "ann@example.org", f"/learn/{world.ann.id}/lessons/m1-l1")[1]
    assert re.search(r'paragraphs/p2#discussion"[^>]*>1 post', html)
    html = text_of(app, "ann@example.org", paragraph_path(world.ann, paragraph="p2"))[1]
    assert 'lang="ar" dir="rtl"' in html and "ما المقصود بالأداة؟" in html


# --- versions ----------------------------------------------------------------------------------


def publish_new_version(db, published, cohort, drop="p3"):
    """Version 2 of the course: the same lessons, without paragraph ``drop``."""
    v2 = CourseVersion(
        course_id=published.course.id, number=2, state="published", published_at=utcnow()
    )
    db.session.add(v2)
    db.session.flush()
    from diplolearn.models import ModuleRevision

    for old in db.session.scalars(
        sa.select(ModuleRevision).where(ModuleRevision.course_version_id == published.version.id)
    ).all():
        mrev = ModuleRevision(
            module_id=old.module_id,
            course_version_id=v2.id,
            position=old.position,
            title=old.title,
            required=old.required,
            prerequisites=old.prerequisites,
            discussion=old.discussion,
        )
        db.session.add(mrev)
        db.session.flush()
        for lrev in db.session.scalars(
            sa.select(LessonRevision).where(LessonRevision.module_revision_id == old.id)
        ).all():
            new = LessonRevision(
                lesson_id=lrev.lesson_id,
                course_version_id=v2.id,
                module_revision_id=mrev.id,
                position=lrev.position,
                title=lrev.title,
                required=lrev.required,
            )
            db.session.add(new)
            db.session.flush()
            for prev in lrev.paragraphs:
                if prev.paragraph.key == drop:
                    continue
                db.session.add(
                    ParagraphRevision(
                        paragraph_id=prev.paragraph_id,
                        lesson_revision_id=new.id,
                        position=prev.position,
                        body={k: v + " (revised)" for k, v in prev.body.items()},
                    )
                )
    cohort.course_version_id = v2.id
    db.session.commit()
    return v2


def test_a_new_version_keeps_annotations_on_their_paragraphs_and_lists_retired_ones(app, db, world):
    annotate(app, world.ann, "ann@example.org", body="On p1 zebra", paragraph="p1")
    annotate(app, world.ann, "ann@example.org", body="On p3 okapi", paragraph="p3")
    v2 = publish_new_version(db, world.published, world.cohort)
    html = text_of(app, "ann@example.org", f"/learn/{world.ann.id}/lessons/m1-l1")[1]
    assert "(revised)" in html
    assert re.search(r'paragraphs/p1#discussion"[^>]*>1 post', html)
    assert "1 post on paragraphs no longer in the text" in html
    html = text_of(app, "ann@example.org", paragraph_path(world.ann, paragraph="p1"))[1]
    assert "zebra" in html
    html = text_of(app, "ann@example.org", f"/learn/{world.ann.id}/lessons/m1-l1/retired")[1]
    assert "okapi" in html and "zebra" not in html
    # The retired paragraph reads, but takes no new post.
    html = text_of(app, "ann@example.org", paragraph_path(world.ann, paragraph="p3"))[1]
    assert "no longer in the course" in html and "okapi" in html
    response = annotate(app, world.ann, "ann@example.org", paragraph="p3", expect=422)
    assert "not in the lesson" in response.get_data(as_text=True)
    annotate(app, world.ann, "ann@example.org", body="On the new text", paragraph="p2")
    assert posts(db)[-1].course_version_id == v2.id


# --- counts in constant queries ----------------------------------------------------------------


def test_paragraph_counts_take_one_query_whatever_the_discussion(app, db, world, count_queries):
    lesson_id = db.session.scalar(
        sa.select(Lesson.id).where(
            Lesson.key == "m1-l1", Lesson.course_id == world.published.course.id
        )
    )
    where = learner_discussion(world.ann)
    with count_queries() as counter:
        assert reading.paragraph_counts(where, lesson_id) == {}
    assert counter.count == 1
    standing = progress.course_progress(world.ann)
    lesson = standing.lesson("m1-l1")
    for n in range(12):
        posting.annotate(
            world.ann,
            standing,
            lesson,
            f"p{n % 3 + 1}",
            kind="comment",
            body=f"Comment {n}",
            lang="en",
        )
    db.session.flush()
    with count_queries() as counter:
        counts = reading.paragraph_counts(where, lesson_id)
    assert counter.count == 1
    assert counts == {"p1": 4, "p2": 4, "p3": 4}


# --- the completion rule -----------------------------------------------------------------------


def test_a_cohort_can_require_posts_per_module_shown_like_any_requirement(app, db, world):
    from diplolearn.services.cohorts import CohortRefused, cohorts

    with pytest.raises(CohortRefused):
        cohorts.set_module_rules(world.cohort, {"m1": {"annotations": -1}}, by=world.lead)
    with pytest.raises(CohortRefused):
        cohorts.set_module_rules(world.cohort, {"m1": {"annotations": "two"}}, by=world.lead)
    cohorts.set_module_rules(world.cohort, {"m1": {"annotations": 2}}, by=world.lead)
    db.session.commit()
    assert world.cohort.module_rules == {"m1": {"annotations": 2}}
    standing = progress.course_progress(world.ann)
    m1 = standing.modules[0]
    assert (m1.annotations_needed, m1.annotations_made, m1.discussion_done) == (2, 0, False)
    progress.mark_lesson_done(world.ann, standing, standing.lesson("m1-l1"))
    db.session.commit()
    attempt_free = progress.course_progress(world.ann)
    assert not attempt_free.modules[0].complete
    html = text_of(app, "ann@example.org", f"/learn/{world.ann.id}")[1]
    assert "Take part in the discussion: 2 posts" in html and "0 of 2" in html
    # A private note and a hidden post do not count; shared posts, replies included, do.
    annotate(app, world.ann, "ann@example.org", body="note", private="y", kind="comment")
    annotate(app, world.ann, "ann@example.org", body="first shared")
    assert progress.course_progress(world.ann).modules[0].annotations_made == 1
    annotate(app, world.ben, "ben@example.org", body="Ben's question")
    ben_post = posts(db)[-1]
    client = client_for(app, "ann@example.org")
    post_form(
        client,
        f"/learn/{world.ann.id}/discussion/{ben_post.id}/replies",
        {"body": "my reply", "lang": "en"},
        form_page=paragraph_path(world.ann),
    )
    after = progress.course_progress(world.ann)
    assert after.modules[0].annotations_made == 2 and after.modules[0].discussion_done
    assert after.modules[0].complete
    html = text_of(app, "ann@example.org", f"/learn/{world.ann.id}")[1]
    assert "2 of 2" in html


def test_the_rule_adds_no_query_for_cohorts_that_do_not_use_it(app, db, world, count_queries):
    from diplolearn.services.cohorts import cohorts

    db.session.refresh(world.ann)
    progress.course_progress(world.ann)  # warm the outline cache
    with count_queries() as counter:
        progress.course_progress(world.ann)
    plain = counter.count
    cohorts.set_module_rules(world.cohort, {"m1": {"annotations": 1}}, by=world.lead)
    with count_queries() as counter:
        progress.course_progress(world.ann)
    assert counter.count == plain + 1


def test_the_rules_page_sets_the_requirement(app, db, world):
    client = client_for(app, "lead@example.org")
    path = f"/teach/cohorts/{world.cohort.id}/rules"
    html = client.get(path).get_data(as_text=True)
    m1 = world.published.module_revision("m1").module_id
    assert f'name="annotations_{m1}"' in html
    response = post_form(client, path, {f"annotations_{m1}": "3"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.expire_all()
    assert world.cohort.module_rules["m1"]["annotations"] == 3


# --- the pinned discussion prompts -------------------------------------------------------------


def test_each_module_prompt_is_a_pinned_thread_for_every_group(app, db, world):
    outline = text_of(app, "ann@example.org", f"/learn/{world.ann.id}")[1]
    prompt_path = f"/learn/{world.ann.id}/modules/m1/discussion"
    assert prompt_path in outline
    status, html = text_of(app, "ann@example.org", prompt_path)
    assert status == 200 and "Pinned" in html and "Is digital diplomacy a complement?" in html
    client = client_for(app, "ann@example.org")
    response = post_form(client, prompt_path, {"body": "Both, in my ministry.", "lang": "en"})
    assert response.status_code == 302
    [post] = posts(db)
    assert post.paragraph_id is None and post.kind == "prompt"
    assert post.tutor_group_id == world.g1.id
    # The same prompt, pinned for group two, without group one's contributions.
    status, html = text_of(app, "cal@example.org", f"/learn/{world.cal.id}/modules/m1/discussion")
    assert "Is digital diplomacy a complement?" in html and "in my ministry" not in html
    assert _visible(
        app, "ben@example.org", f"/learn/{world.ben.id}/modules/m1/discussion", "in my ministry"
    )
    # The tutor follows it from the discussion tab.
    inbox = text_of(app, "tutor1@example.org", f"/teach/cohorts/{world.cohort.id}/discussion")[1]
    assert f"/teach/cohorts/{world.cohort.id}/discussion/modules/m1" in inbox
    assert _visible(
        app,
        "tutor1@example.org",
        f"/teach/cohorts/{world.cohort.id}/discussion/modules/m1",
        "in my ministry",
    )
    assert not _visible(
        app,
        "tutor2@example.org",
        f"/teach/cohorts/{world.cohort.id}/discussion/modules/m1",
        "in my ministry",
    )
    # A module without a prompt has no such thread; a locked module's is refused.
    assert client.get(f"/learn/{world.ann.id}/modules/m2/discussion").status_code == 404
    response = post_form(client, prompt_path, {"body": "", "lang": "en"})
    assert response.status_code == 422 and len(posts(db)) == 1


def test_the_digital_diplomacy_prompts_are_pinned_for_every_group(app, db):
    """The first course's discussion prompts, imported, become each module's pinned thread in
    every tutor group of a cohort."""
    from pathlib import Path

    from diplolearn.courses.check import load_course
    from diplolearn.services.catalogue.course_import import import_course

    spec, files = load_course(Path(__file__).parent.parent / "courses" / "digital-diplomacy")
    course = import_course(spec, files).version.course
    cohort = make_cohort(course, key="dd-spring")
    groups = [organisations.add_tutor_group(cohort, f"dd{n}", f"DD {n}") for n in (1, 2)]
    learners = [
        make_learner(cohort, group=g, email=f"dd{n}@example.org")[1] for n, g in enumerate(groups)
    ]
    lead = make_with_role(Role.LEAD_INSTRUCTOR, cohort.id, email="ddlead@example.org")
    db.session.commit()
    standing = progress.course_progress(learners[0])
    with_prompt = [m for m in standing.modules if m.node.discussion]
    assert len(with_prompt) >= 10
    first = with_prompt[0]
    for n, enrolment in enumerate(learners):
        status, html = text_of(
            app, f"dd{n}@example.org", f"/learn/{enrolment.id}/modules/{first.node.key}/discussion"
        )
        assert status == 200 and "Pinned" in html
        assert first.node.discussion["prompt"]["en"][:40] in html
    inbox = text_of(app, "ddlead@example.org", f"/teach/cohorts/{cohort.id}/discussion")[1]
    assert inbox.count(f"/teach/cohorts/{cohort.id}/discussion/modules/") == len(with_prompt)
    assert lead.id


# --- tutors' tools ----------------------------------------------------------------------------


def test_the_inbox_lists_unanswered_questions_oldest_first(app, db, world):
    standing = progress.course_progress(world.ann)
    lesson = standing.lesson("m1-l1")
    now = utcnow()
    old = posting.annotate(
        world.ann,
        standing,
        lesson,
        "p2",
        kind="question",
        body="Older question",
        lang="en",
        now=now - dt.timedelta(days=3),
    )
    posting.annotate(
        world.ann,
        standing,
        lesson,
        "p1",
        kind="question",
        body="Newer question",
        lang="en",
        now=now - dt.timedelta(days=1),
    )
    posting.annotate(
        world.ann, standing, lesson, "p1", kind="comment", body="Just a comment", lang="en"
    )
    resolved = posting.annotate(
        world.ann, standing, lesson, "p1", kind="question", body="Resolved question", lang="en"
    )
    moderation.resolve(resolved, world.ann.user, staff=False)
    cal_standing = progress.course_progress(world.cal)
    posting.annotate(
        world.cal,
        cal_standing,
        cal_standing.lesson("m1-l1"),
        "p1",
        kind="question",
        body="Group two question",
        lang="en",
        now=now - dt.timedelta(days=5),
    )
    db.session.commit()
    html = text_of(app, "tutor1@example.org", f"/teach/cohorts/{world.cohort.id}/discussion")[1]
    assert html.index("Older question") < html.index("Newer question")
    assert "Just a comment" not in html and "Resolved question" not in html
    assert "Group two question" not in html
    lead = text_of(app, "lead@example.org", f"/teach/cohorts/{world.cohort.id}/discussion")[1]
    assert lead.index("Group two question") < lead.index("Older question")
    assert old.id


def test_hiding_and_editing_need_a_reason_and_are_audited(app, db, world):
    annotate(app, world.ann, "ann@example.org", body="Something rude")
    [post] = posts(db)
    tutor = client_for(app, "tutor1@example.org")
    thread = f"/teach/cohorts/{world.cohort.id}/discussion/{post.id}"
    response = post_form(tutor, thread + "/hide", {"reason": ""}, form_page=thread)
    assert response.status_code == 302
    page = tutor.get(response.headers["Location"]).get_data(as_text=True)
    assert "Reason" in page and "flash-error" in page  # said, not silently ignored
    assert posts(db)[0].hidden_at is None
    post_form(tutor, thread + "/hide", {"reason": "Off topic"}, form_page=thread)
    post = posts(db)[0]
    assert post.hidden_at is not None and post.hidden_reason == "Off topic"
    html = text_of(app, "ben@example.org", paragraph_path(world.ben))[1]
    assert "Something rude" not in html and "Hidden by the tutor: <bdi>Off topic</bdi>" in html
    assert (
        " post<" not in text_of(app, "ben@example.org", f"/learn/{world.ben.id}/lessons/m1-l1")[1]
    )
    post_form(
        tutor, thread + "/edit", {"body": "Something polite", "reason": "Tone"}, form_page=thread
    )
    post_form(
        tutor, thread + "/edit", {"body": "<script>x</script>", "reason": "Oops"}, form_page=thread
    )
    post = posts(db)[0]
    assert post.body == "Something polite" and post.edited_by_id == world.tutor.id
    events = {
        e.action: e
        for e in db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action.like("discussion.%"))
        )
    }
    assert set(events) == {"discussion.hide", "discussion.edit"}
    assert events["discussion.edit"].details["before"] == "Something rude"
    assert events["discussion.hide"].ministry_id is None  # never a ministry's business
    # Another group's tutor cannot touch it (not found), nor can a learner.
    other = client_for(app, "tutor2@example.org")
    assert (
        post_form(
            other,
            thread + "/hide",
            {"reason": "x"},
            form_page=f"/teach/cohorts/{world.cohort.id}/discussion",
        ).status_code
        == 404
    )


def test_the_weekly_digest_tells_each_group_its_own_posts_once(app, db, world):
    from diplolearn.jobs import JOBS

    for enrolment in (world.ann, world.ben, world.cal):
        enrolment.user.notify_by_mail = True
    world.dia.user.notify_by_mail = True
    db.session.commit()
    annotate(app, world.ann, "ann@example.org", body="Group one zebra")
    annotate(app, world.ann, "ann@example.org", body="Private yak", private="y", kind="comment")
    annotate(app, world.cal, "cal@example.org", body="Group two okapi")
    now = utcnow() + dt.timedelta(minutes=1)
    result = JOBS["discussion_digest"](now)
    assert result["groups"] == 2
    mails = list(
        db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.kind.like("discussion_digest%"))
        )
    )
    by_person = {m.to_user_id: m.body_text for m in mails}
    assert "zebra" in by_person[world.ben.user_id] and "okapi" not in by_person[world.ben.user_id]
    assert "okapi" in by_person[world.cal.user_id] and "zebra" not in by_person[world.cal.user_id]
    assert "zebra" in by_person[world.tutor.id]
    assert all("yak" not in body for body in by_person.values())
    assert world.dia.user_id not in by_person and world.coordinator.id not in by_person
    assert world.lead.id not in by_person
    # Each post's place by its lesson's title and first words, never by a file's key.
    ben = by_person[world.ben.user_id]
    assert "§" not in ben and "p1" not in ben and "m1-l1" not in ben
    assert "“" in ben  # the paragraph's first words, quoted
    again = JOBS["discussion_digest"](now + dt.timedelta(hours=1))
    assert again["queued"] == 0


# --- weekly text sessions ----------------------------------------------------------------------


def test_a_weekly_session_per_group_live_then_a_thread_then_archived(app, db, world):
    from diplolearn.models import DiscussionSession

    world.ann.user.timezone = "Asia/Tokyo"
    db.session.commit()
    tutor = client_for(app, "tutor1@example.org")
    sessions = f"/teach/cohorts/{world.cohort.id}/sessions"
    starts = (utcnow() + dt.timedelta(days=2)).replace(hour=9, minute=0, second=0, microsecond=0)
    # A tutor opens one for their group only, never for the whole cohort or another group.
    for group in ("", str(world.g2.id)):
        response = post_form(
            tutor,
            sessions,
            {
                "group": group,
                "title": "Week 1",
                "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
                "duration": "60",
            },
        )
        assert response.status_code == 422
    response = post_form(
        tutor,
        sessions,
        {
            "group": str(world.g1.id),
            "title": "Week 1 chat",
            "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
            "duration": "60",
        },
    )
    assert response.status_code == 302
    session = db.session.scalar(sa.select(DiscussionSession))
    assert session.starts_at == starts and session.tutor_group_id == world.g1.id
    page = f"/learn/{world.ann.id}/sessions/{session.id}"
    status, html = text_of(app, "ann@example.org", f"/learn/{world.ann.id}/sessions")
    assert "Week 1 chat" in html
    # Shown in the reader's time zone (Tokyo, UTC+9), and the cohort's (Zurich).
    status, html = text_of(app, "ann@example.org", page)
    assert status == 200 and "18:00 Japan Standard Time" in html
    assert "10:00 in the cohort" in html
    assert text_of(app, "cal@example.org", f"/learn/{world.cal.id}/sessions/{session.id}")[0] == 404
    assert (
        "Week 1 chat" not in text_of(app, "cal@example.org", f"/learn/{world.cal.id}/sessions")[1]
    )
    # Before it starts it is already a thread: Ann posts, Ben reads.
    ann = client_for(app, "ann@example.org")
    assert post_form(ann, page, {"body": "I will be travelling.", "lang": "en"}).status_code == 302
    assert _visible(
        app, "ben@example.org", f"/learn/{world.ben.id}/sessions/{session.id}", "travelling"
    )
    assert _visible(app, "tutor1@example.org", f"{sessions}/{session.id}", "travelling")
    assert text_of(app, "tutor2@example.org", f"{sessions}/{session.id}")[0] == 404
    # Live: the page loads the live script; archived: read-only and refused.
    session.starts_at = utcnow() - dt.timedelta(minutes=5)
    session.archives_at = utcnow() + dt.timedelta(days=6)
    db.session.commit()
    assert "session.js" in text_of(app, "ann@example.org", page)[1]
    session.archives_at = utcnow() - dt.timedelta(minutes=1)
    db.session.commit()
    html = text_of(app, "ann@example.org", page)[1]
    assert "archived" in html and "travelling" in html and 'name="body"' not in html
    response = post_form(
        ann, page, {"body": "Too late", "lang": "en"}, form_page=f"/learn/{world.ann.id}/sessions"
    )
    assert response.status_code == 422 and "archived" in response.get_data(as_text=True)
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Annotation)
            .where(Annotation.session_id == session.id)
        )
        == 1
    )


def test_a_lead_opens_a_session_for_the_whole_cohort(app, db, world):
    from diplolearn.models import DiscussionSession

    lead = client_for(app, "lead@example.org")
    sessions = f"/teach/cohorts/{world.cohort.id}/sessions"
    starts = utcnow() + dt.timedelta(days=1)
    response = post_form(
        lead,
        sessions,
        {
            "group": "",
            "title": "Cohort-wide debate",
            "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
            "duration": "90",
        },
    )
    assert response.status_code == 302
    session = db.session.scalar(sa.select(DiscussionSession))
    assert session.tutor_group_id is None
    for enrolment, email in ((world.ann, "ann@example.org"), (world.cal, "cal@example.org")):
        status, html = text_of(app, email, f"/learn/{enrolment.id}/sessions/{session.id}")
        assert status == 200 and "Whole cohort" in html
    assert text_of(app, "dia@example.org", f"/learn/{world.dia.id}/sessions/{session.id}")[0] == 404
    assert text_of(app, "coord@example.org", f"{sessions}/{session.id}")[0] in (403, 404)
    # Bad input: a start in the past, a duration not offered.
    for starts_at, duration in (
        ("2020-01-01T10:00", "60"),
        (starts.strftime("%Y-%m-%dT%H:%M"), "7"),
    ):
        response = post_form(
            lead,
            sessions,
            {"group": "", "title": "x", "starts_at": starts_at, "duration": duration},
        )
        assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DiscussionSession)) == 1


def test_demo_annotations_are_seeded_once_per_group_and_stay_in_their_group(app, db, world):
    # Per group: a question, the tutor's answer, a reference and a contribution to the prompt.
    assert demo_discussion.seed_demo_annotations(world.cohort) == 2 * 4
    assert demo_discussion.seed_demo_annotations(world.cohort) == 0
    db.session.commit()
    rows = posts(db)
    assert {(r.tutor_group_id, r.kind) for r in rows} == {
        (g.id, kind)
        for g in (world.g1, world.g2)
        for kind in ("question", "reply", "reference", "prompt")
    }
    assert all(
        r.author_id in {world.cal.user_id, world.tutor2.id}
        for r in rows
        if r.tutor_group_id == world.g2.id
    )
    html = text_of(app, "cal@example.org", f"/learn/{world.cal.id}/lessons/m1-l1")[1]
    assert re.search(r'paragraphs/p1#discussion"[^>]*>2 posts', html)


def test_a_persons_posts_are_in_their_data_and_erasure_blanks_them(app, db, world):
    from diplolearn.services.accounts import personal_data

    annotate(
        app,
        world.ann,
        "ann@example.org",
        body="My candid view zebra",
        mentions=str(world.ben.user_id),
    )
    data = personal_data.collect(world.ann.user)
    assert [r["body"] for r in data["records"]["annotation"]] == ["My candid view zebra"]
    assert "annotation" not in personal_data.collect(world.ben.user)["records"]
    admin = make_with_role(Role.ADMINISTRATOR, email="admin@example.org")
    counts = personal_data.erase_person(world.ann.user, by=admin, reason="Asked to")
    assert counts["discussion_posts"] == 1
    assert posts(db)[0].body == ""
