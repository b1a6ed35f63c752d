"""Generate a large course folder (default 50 modules x 20 lessons) for benchmarks and
query-count checks: realistic sizes, bilingual texts, a quiz per module, canonical form.

    .venv/bin/python bench/large_course.py OUT_DIR [--modules 50] [--lessons 20]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from diplolearn.courses.spec import (
    ChoiceSpec,
    CourseSpec,
    LessonSpec,
    LessonText,
    ModuleSpec,
    ParagraphSpec,
    QuestionSpec,
    QuizSpec,
)
from diplolearn.courses.writer import course_files

COURSE_ID = "bench-large-course"
AR = (
    "تتناول هذه الفقرة أداة من أدوات الدبلوماسية الرقمية وكيف تستعملها وزارات الخارجية "
    'في التواصل مع الجمهور، مع مثال على حساب مثل <bdi lang="en" dir="ltr">@francediplo</bdi>.'
)
EN = (
    "This paragraph discusses one tool of digital diplomacy and how foreign ministries use it "
    "to reach the public, with an example such as the account @francediplo."
)


def large_course(modules: int = 50, lessons: int = 20, paragraphs: int = 6) -> CourseSpec:
    course = CourseSpec(
        id=COURSE_ID,
        title={"ar": "دورة كبيرة للقياس", "en": "Large benchmark course"},
        languages=["ar", "en"],
    )
    for m in range(1, modules + 1):
        module = ModuleSpec(
            id=f"m{m:03d}",
            title={"ar": f"الوحدة {m}", "en": f"Module {m}"},
            objectives={"ar": ["فهم الموضوع"], "en": ["Understand the topic"]},
            estimated_minutes=lessons * 5,
            prerequisites=[f"m{m - 1:03d}"] if m > 1 else [],
        )
        for n in range(1, lessons + 1):
            lesson = LessonSpec(id=f"m{m:03d}-l{n:02d}", estimated_minutes=5)
            for language, text in (("ar", AR), ("en", EN)):
                lesson.texts[language] = LessonText(
                    language,
                    f"{'الدرس' if language == 'ar' else 'Lesson'} {m}.{n}",
                    [
                        ParagraphSpec(f"m{m:03d}-l{n:02d}-p{p}", text)
                        for p in range(1, paragraphs + 1)
                    ],
                )
            module.lessons.append(lesson)
        module.quiz = QuizSpec(
            id=f"m{m:03d}-quiz",
            title={"ar": f"اختبار {m}", "en": f"Quiz {m}"},
            pass_mark=60,
            max_attempts=3,
            shuffle_choices=True,
            questions=[
                QuestionSpec(
                    id=f"m{m:03d}-q{q}",
                    kind="single_choice",
                    prompt={"ar": "سؤال؟", "en": "Question?"},
                    refers_to=f"m{m:03d}-l01#m{m:03d}-l01-p1",
                    choices=[
                        ChoiceSpec(
                            id=f"c{c}",
                            correct=(c == q % 4),
                            text={"ar": f"خيار {c}", "en": f"Choice {c}"},
                        )
                        for c in range(4)
                    ],
                )
                for q in range(1, 6)
            ],
        )
        course.modules.append(module)
    return course


def write(target: Path, **sizes) -> Path:
    course = large_course(**sizes)
    folder = target / course.id
    for rel, text in course_files(course).items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("target", type=Path)
    parser.add_argument("--modules", type=int, default=50)
    parser.add_argument("--lessons", type=int, default=20)
    args = parser.parse_args()
    print(write(args.target, modules=args.modules, lessons=args.lessons))
