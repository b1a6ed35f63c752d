"""The data model, split by domain area. Import models from here."""

from diplolearn.models.accounts import ROLE_SCOPE, Role, RoleGrant, TokenPurpose, User, UserToken
from diplolearn.models.api import ApiToken, ApiTokenKind, IdempotencyKey
from diplolearn.models.assessment import (
    ChoiceRevision,
    GradingMethod,
    Question,
    QuestionCategory,
    QuestionRevision,
    Quiz,
    QuizDraw,
    QuizQuestion,
    QuizRevision,
    Reveal,
)
from diplolearn.models.assignments import (
    Assignment,
    AssignmentDeadline,
    AssignmentRevision,
    RubricCriterion,
    RubricLevel,
    Submission,
    SubmissionScore,
)
from diplolearn.models.audit import AuditEvent, AuditLogIsAppendOnly
from diplolearn.models.authoring import ContentChange, CourseOwner, TranslationFlag
from diplolearn.models.base import Base, utcnow
from diplolearn.models.catalogue import (
    Course,
    CourseVersion,
    Lesson,
    LessonRevision,
    Module,
    ModuleRevision,
    Paragraph,
    ParagraphRevision,
)
from diplolearn.models.certificates import Certificate
from diplolearn.models.coursefiles import CourseUpload, LessonImage
from diplolearn.models.deadlines import Excusal, ExtensionRequest, LateRule
from diplolearn.models.discussion import Annotation, AnnotationMention, DiscussionSession
from diplolearn.models.identity import SsoProvider, SsoUsedCode
from diplolearn.models.learning import AttemptQuestion, LessonProgress, QuizAttempt, Response
from diplolearn.models.messages import Message, MessageThread
from diplolearn.models.notifications import Notification, NotificationPreference
from diplolearn.models.organisations import (
    Cohort,
    Enrolment,
    Ministry,
    ModuleSchedule,
    SeatAllotment,
    StaffMembership,
    TutorGroup,
    TutorGroupMove,
)
from diplolearn.models.outbound import OutboundDelivery, RecordStore, Webhook
from diplolearn.models.outbox import OutboxMessage
from diplolearn.models.page_versions import PageVersion
from diplolearn.models.policies import QuizPolicyOverride
from diplolearn.models.progress_summaries import MODULE_STATUSES, ModuleProgress
from diplolearn.models.rosters import PendingInvitation, RosterUpload
from diplolearn.models.signin import DeviceSession, RecoveryCode, TwoFactorCredential
from diplolearn.models.states import (
    AttemptState,
    CertificateStatus,
    CourseVersionState,
    EnrolmentState,
    InvalidTransition,
    OutboxState,
    SubmissionState,
)
from diplolearn.models.tracking import Announcement, DueDateExtension

__all__ = [
    "MODULE_STATUSES",
    "ROLE_SCOPE",
    "Annotation",
    "AnnotationMention",
    "Announcement",
    "ApiToken",
    "ApiTokenKind",
    "Assignment",
    "AssignmentDeadline",
    "AssignmentRevision",
    "AttemptQuestion",
    "AttemptState",
    "AuditEvent",
    "AuditLogIsAppendOnly",
    "Base",
    "Certificate",
    "CertificateStatus",
    "ChoiceRevision",
    "Cohort",
    "ContentChange",
    "Course",
    "CourseOwner",
    "CourseUpload",
    "CourseVersion",
    "CourseVersionState",
    "DeviceSession",
    "DiscussionSession",
    "DueDateExtension",
    "Enrolment",
    "EnrolmentState",
    "Excusal",
    "ExtensionRequest",
    "GradingMethod",
    "IdempotencyKey",
    "InvalidTransition",
    "LateRule",
    "Lesson",
    "LessonImage",
    "LessonProgress",
    "LessonRevision",
    "Message",
    "MessageThread",
    "Ministry",
    "Module",
    "ModuleProgress",
    "ModuleRevision",
    "ModuleSchedule",
    "Notification",
    "NotificationPreference",
    "OutboundDelivery",
    "OutboxMessage",
    "OutboxState",
    "PageVersion",
    "Paragraph",
    "ParagraphRevision",
    "PendingInvitation",
    "Question",
    "QuestionCategory",
    "QuestionRevision",
    "Quiz",
    "QuizAttempt",
    "QuizDraw",
    "QuizPolicyOverride",
    "QuizQuestion",
    "QuizRevision",
    "RecordStore",
    "RecoveryCode",
    "Response",
    "Reveal",
    "Role",
    "RoleGrant",
    "RosterUpload",
    "RubricCriterion",
    "RubricLevel",
    "SeatAllotment",
    "SsoProvider",
    "SsoUsedCode",
    "StaffMembership",
    "Submission",
    "SubmissionScore",
    "SubmissionState",
    "TokenPurpose",
    "TranslationFlag",
    "TutorGroup",
    "TutorGroupMove",
    "TwoFactorCredential",
    "User",
    "UserToken",
    "Webhook",
    "utcnow",
]
