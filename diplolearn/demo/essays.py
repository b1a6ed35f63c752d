"""The demo learners' written work: essays that read as different people's, not one paragraph
repeated. Each essay opens in its own way, argues from several paragraphs of a bank written
from different angles (a consul's, a press officer's, a small ministry's, a sceptic's...),
picked and ordered by the learner and the assignment, and closes with one of several
conclusions; paragraphs are added until the assignment's minimum length is met, never past
its maximum. The same learner and assignment always get the same essay (the demo is
idempotent); two learners, or one learner on two assignments, get different ones.
"""

from __future__ import annotations

import hashlib

from diplolearn.services.assessment.assignments import count_words

OPENINGS = {
    "en": [
        "When I joined my ministry's press section, our website was updated once a month and "
        "nobody thought of it as diplomacy. The paper's cases made me see how far that view "
        "has travelled, and also how much of the old craft survives inside the new tools.",
        "I write this from a small embassy with four diplomats and no communication officer, "
        "so I read the course with one question in mind: what can a post like ours realistically "
        "do online, and what should it leave to headquarters?",
        "Digital diplomacy is often described as a revolution. After this module I would rather "
        "call it a change of tempo: the same aims of representation, negotiation and "
        "protection, pursued in public and at the speed of a news feed.",
        "My starting point is a sceptical one. In my service many senior colleagues still see "
        "social media as a risk to be contained, and I wanted to test that instinct against "
        "the experiences the paper describes.",
        "The most useful lesson of this module, for me, is that a ministry's presence online "
        "is only as good as the people and procedures behind it. The tools are cheap; the "
        "organisation that uses them well is not.",
    ],
    "fr": [
        "Lorsque j'ai rejoint la cellule de communication de mon ministère, le site internet "
        "n'était mis à jour qu'une fois par mois. Les cas étudiés dans ce module montrent à quel "
        "point cette époque est révolue, sans que le métier diplomatique ait perdu ses repères.",
        "J'écris depuis une petite ambassade de trois diplomates, sans chargé de communication. "
        "J'ai donc lu le texte avec une question précise : que peut faire un poste comme le "
        "nôtre en ligne, et que doit-il laisser à l'administration centrale ?",
        "On présente souvent la diplomatie numérique comme une rupture. Je la vois plutôt comme "
        "un changement de rythme : les mêmes missions de représentation, de négociation et de "
        "protection, menées en public et à la vitesse d'un fil d'actualité.",
    ],
    "ar": [
        "حين التحقت بقسم الإعلام في وزارتي كان موقعنا الإلكتروني يحدَّث مرة في الشهر، ولم يكن "
        "أحد يعدّه جزءًا من العمل الدبلوماسي. غير أن الحالات التي يعرضها هذا الدرس بيّنت لي "
        "كم تغيّر هذا التصور، وكم بقي من أصول المهنة القديمة داخل الأدوات الجديدة.",
        "أكتب هذه الورقة من سفارة صغيرة لا يتجاوز عدد دبلوماسييها أربعة، وليس فيها مختص "
        "بالاتصال، لذلك قرأت النص وفي ذهني سؤال واحد: ما الذي تستطيع بعثة مثل بعثتنا أن "
        "تفعله على الشبكة فعلًا، وما الذي ينبغي أن تتركه للإدارة المركزية؟",
        "يوصف العمل الدبلوماسي الرقمي كثيرًا بأنه ثورة، وأراه بعد هذه الوحدة تغيّرًا في الإيقاع "
        "أكثر منه تغيّرًا في الجوهر: فالغايات هي نفسها من تمثيل وتفاوض وحماية للمواطنين، لكنها "
        "تُطلب اليوم على الملأ وبسرعة الأخبار العاجلة.",
    ],
}

BODY = {
    "en": [
        "Consular work is where the benefit is easiest to measure. During an evacuation or a "
        "natural disaster, a single post on an embassy's account can reach thousands of "
        "citizens faster than any telephone tree. The cases in the paper show ministries "
        "using their feeds to publish meeting points, emergency numbers and updates every few "
        "hours, and citizens answering with their own information about roads and airports.",
        "Listening matters at least as much as speaking. An embassy that follows what local "
        "journalists, students and officials say about its country learns early when a "
        "misunderstanding is forming. Monitoring is cheap, yet in my experience it is the "
        "first task dropped when a post is busy, because it produces no visible output.",
        "The British example shows the value of clear rules. Guidance that tells diplomats "
        "what they may post, who approves sensitive messages and how to correct an error lets "
        "a ministry delegate to its posts without losing control. Without such rules, caution "
        "wins and accounts fall silent, which is itself a message to the public.",
        "Tone is a diplomatic choice. A head of mission who writes in the local language, "
        "answers questions and admits uncertainty gains a credibility that formal press "
        "releases rarely earn. The risk is that informality is read as policy, so the line "
        "between personal voice and official position must be agreed in advance.",
        "Virtual embassies are the most ambitious idea in the paper. They cannot issue "
        "visas or protect citizens, but they can speak to a society where a state has no "
        "physical presence. I see them less as embassies than as permanent public diplomacy "
        "campaigns, and they should be judged by the dialogue they create rather than by visits.",
        "Training is the condition of everything else. Younger diplomats are often at ease "
        "with the platforms but not with the political judgement they require; senior ones "
        "have the judgement but not the habits. The online course format itself, with tutors "
        "and short modules, seems well suited to bringing the two groups together.",
        "Measuring impact remains the weak point. Counting followers or likes is easy and "
        "misleading; what a ministry really wants to know is whether an audience understood "
        "its position or changed its view. A few ministries in the paper combine simple "
        "metrics with surveys and media analysis, which seems a sensible compromise.",
        "Small states may gain the most. A ministry with thirty embassies cannot match the "
        "reach of a great power in traditional media, but on social networks a well-chosen "
        "message can travel as far as anyone's. The Swiss case shows how a clear focus on "
        "a few themes gives a small service a recognisable voice.",
        "Disinformation is the other side of the same coin. The speed that helps an embassy "
        "warn its citizens also helps rumours spread. Ministries need a quick procedure to "
        "verify and answer false stories, and the humility to correct their own mistakes "
        "publicly when they make them.",
        "Security cannot be an afterthought. Accounts are hijacked, passwords are shared "
        "among colleagues, and personal profiles reveal where diplomats live and travel. "
        "Every post should know who holds its credentials and how to recover an account, "
        "and staff should be briefed on what their private posts may expose.",
        "Multilingual audiences complicate every message. An embassy in a country with two "
        "or three languages must decide whether to publish in all of them, and a ministry "
        "writing for a regional audience must adapt more than the words. Translation "
        "is only the beginning; references, humour and timing differ as well.",
        "Finally, digital tools change negotiation less than communication. Delegations "
        "still meet behind closed doors, but they now know that every concession may be "
        "commented on within minutes. This makes public explanation part of the negotiating "
        "strategy itself, not a task for the press office after the fact.",
        "Blogs deserve more attention than they get. A short essay by an ambassador on a "
        "local festival or a shared history reaches readers that a communiqué never will, and "
        "it stays searchable for years. The paper's examples of diplomats' blogs show that "
        "regularity matters more than length: one honest page a month builds an audience.",
        "Headquarters and posts see the same tools differently. The capital wants one "
        "message repeated everywhere; the embassy knows that its audience needs local "
        "examples and local timing. The best arrangements in the paper give posts a clear "
        "core message and freedom in how they tell it.",
        "Crisis communication tests everything at once. When a national is arrested abroad "
        "or a statement is misquoted, the embassy must answer within hours, in two languages, "
        "without prejudging legal proceedings. Rehearsing such cases, as some ministries now "
        "do, turns a frightening moment into a routine one.",
        "Engaging the diaspora is an underrated use of these networks. Citizens living abroad "
        "follow their embassy closely, ask practical questions and often defend their "
        "country in local debates. Answering them well, and in time, is both a consular "
        "service and a form of public diplomacy.",
    ],
    "fr": [
        "Le travail consulaire est le domaine où le bénéfice se mesure le plus facilement. "
        "Lors d'une évacuation ou d'une catastrophe naturelle, un seul message sur le compte "
        "d'une ambassade atteint des milliers de ressortissants plus vite qu'une chaîne "
        "téléphonique. Les exemples du texte montrent des ministères qui publient points de "
        "rendez-vous et numéros d'urgence toutes les quelques heures.",
        "Écouter compte autant que parler. Une ambassade qui suit ce que disent les "
        "journalistes, les étudiants et les responsables locaux de son pays perçoit tôt "
        "qu'un malentendu se forme. Cette veille coûte peu, mais c'est souvent la première "
        "tâche abandonnée quand un poste est débordé, faute de produire un résultat visible.",
        "L'exemple britannique montre l'intérêt de règles claires. Des consignes qui disent "
        "aux diplomates ce qu'ils peuvent publier, qui valide les messages sensibles et "
        "comment corriger une erreur permettent de déléguer aux postes sans perdre la maîtrise. "
        "Sans elles, la prudence l'emporte et les comptes se taisent.",
        "Les ambassades virtuelles sont l'idée la plus ambitieuse du texte. Elles ne "
        "délivrent pas de visas et ne protègent personne, mais elles parlent à une société "
        "où l'État n'a aucune présence physique. Il faut les juger au dialogue qu'elles "
        "suscitent plutôt qu'au nombre de visites.",
        "La formation conditionne tout le reste. Les jeunes diplomates maîtrisent souvent "
        "les plateformes sans avoir encore le jugement politique qu'elles exigent ; leurs "
        "aînés ont ce jugement mais pas les habitudes. Un cours en ligne avec tuteurs et "
        "modules courts semble bien adapté pour réunir les deux.",
        "La mesure de l'impact reste le point faible. Compter les abonnés est facile et "
        "trompeur ; ce qu'un ministère veut savoir, c'est si son public a compris sa position "
        "ou changé d'avis. Quelques ministères associent des indicateurs simples à des "
        "enquêtes et à l'analyse de la presse, ce qui paraît raisonnable.",
        "Les petits États sont peut-être les grands gagnants. Un ministère de trente "
        "ambassades ne peut rivaliser avec une grande puissance dans les médias "
        "traditionnels, mais sur les réseaux un message bien choisi voyage aussi loin que "
        "les autres. Le cas suisse montre l'intérêt de se concentrer sur quelques thèmes.",
        "La désinformation est le revers de la médaille. La vitesse qui aide une ambassade à "
        "prévenir ses ressortissants aide aussi les rumeurs à circuler. Il faut une procédure "
        "rapide pour vérifier et répondre, et l'humilité de corriger publiquement ses propres "
        "erreurs lorsqu'on en commet.",
        "La sécurité ne peut venir après coup. Des comptes sont piratés, des mots de passe "
        "circulent entre collègues et des profils personnels révèlent où vivent les "
        "diplomates. Chaque poste doit savoir qui détient ses identifiants et comment "
        "récupérer un compte perdu.",
        "Les blogs méritent plus d'attention qu'on ne leur en accorde. Un court texte d'un "
        "ambassadeur sur une fête locale ou une histoire commune touche des lecteurs qu'un "
        "communiqué n'atteindra jamais, et il reste consultable des années durant. La "
        "régularité compte davantage que la longueur.",
        "L'administration centrale et les postes ne voient pas les outils de la même façon. "
        "La capitale veut un message identique partout ; l'ambassade sait que son public "
        "attend des exemples et un calendrier locaux. Les meilleurs dispositifs fixent un "
        "message commun et laissent aux postes la manière de le dire.",
        "La communication de crise met tout à l'épreuve. Quand un ressortissant est arrêté "
        "ou qu'une déclaration est déformée, l'ambassade doit répondre en quelques heures, "
        "dans deux langues, sans préjuger de la procédure. S'y exercer à l'avance transforme "
        "un moment redouté en simple routine.",
        "La diaspora est un public sous-estimé. Les citoyens établis à l'étranger suivent "
        "de près leur ambassade, posent des questions pratiques et défendent souvent leur "
        "pays dans les débats locaux. Leur répondre bien et vite relève à la fois du service "
        "consulaire et de la diplomatie publique.",
        "Le ton est un choix diplomatique. Un chef de poste qui écrit dans la langue du pays, "
        "répond aux questions et reconnaît ses incertitudes gagne une crédibilité que les "
        "communiqués obtiennent rarement. Encore faut-il convenir d'avance de la frontière "
        "entre voix personnelle et position officielle.",
    ],
    "ar": [
        "العمل القنصلي هو الميدان الذي تظهر فيه الفائدة بأوضح صورها. ففي أثناء عمليات الإجلاء أو "
        "الكوارث الطبيعية تستطيع تغريدة واحدة على حساب السفارة أن تصل إلى آلاف المواطنين أسرع "
        "من أي سلسلة اتصالات هاتفية، وتعرض الورقة أمثلة لوزارات نشرت نقاط التجمع وأرقام "
        "الطوارئ كل بضع ساعات، وتلقت من المواطنين معلومات مفيدة عن حال الطرق والمطارات.",
        "الإصغاء لا يقل أهمية عن الكلام. فالسفارة التي تتابع ما يقوله الصحفيون والطلاب "
        "والمسؤولون المحليون عن بلدها تدرك مبكرًا أن سوء فهم بدأ يتشكل، والرصد قليل الكلفة، "
        "لكنه في تجربتي أول مهمة تُهمل حين تزدحم البعثة بالعمل، لأنه لا يُنتج شيئًا ظاهرًا "
        "يمكن عرضه في التقارير الدورية.",
        "تُظهر التجربة البريطانية قيمة القواعد الواضحة. فالإرشادات التي تحدد للدبلوماسيين ما "
        "يجوز نشره، ومن يوافق على الرسائل الحساسة، وكيف يُصحَّح الخطأ، تسمح للوزارة بتفويض "
        "بعثاتها دون أن تفقد السيطرة. ومن دون هذه القواعد يغلب الحذر فتصمت الحسابات، وصمتها "
        "في حد ذاته رسالة يقرؤها الجمهور.",
        "السفارات الافتراضية أكثر أفكار الورقة طموحًا. فهي لا تمنح تأشيرات ولا تحمي مواطنين، "
        "لكنها تخاطب مجتمعًا لا وجود ماديًا للدولة فيه. وأراها حملة دائمة للدبلوماسية العامة "
        "أكثر منها سفارة بالمعنى الدقيق، وينبغي أن يقاس نجاحها بالحوار الذي تفتحه لا بعدد "
        "الزيارات التي تسجلها صفحاتها.",
        "التدريب شرط لكل ما سبق. فالدبلوماسيون الشباب يجيدون استعمال المنصات لكنهم لم يكتسبوا "
        "بعدُ التقدير السياسي الذي تتطلبه، والكبار يملكون هذا التقدير ولا يملكون العادة. ويبدو "
        "أسلوب الدورات الإلكترونية القصيرة مع مرشد لكل مجموعة مناسبًا للجمع بين الفئتين، وتبادل "
        "الخبرة بينهما على نص واحد يقرؤه الجميع.",
        "يبقى قياس الأثر نقطة الضعف. فعدّ المتابعين والإعجابات سهل ومضلل، وما تريد الوزارة "
        "معرفته حقًا هو هل فهم الجمهور موقفها أو غيّر رأيه. وتجمع بعض الوزارات في الورقة بين "
        "مؤشرات بسيطة واستطلاعات رأي وتحليل لما تنشره الصحافة، وهو حل وسط معقول لمن لا يملك "
        "فريقًا متخصصًا في التحليل.",
        "قد تكون الدول الصغيرة أكثر المستفيدين. فوزارة لها ثلاثون سفارة لا تستطيع أن تنافس دولة "
        "كبرى في الإعلام التقليدي، أما على الشبكات الاجتماعية فالرسالة المختارة بعناية تصل "
        "إلى أبعد مدى. وتبيّن التجربة السويسرية كيف يمنح التركيز على موضوعات قليلة جهازًا "
        "دبلوماسيًا صغيرًا صوتًا مميزًا يعرفه الناس.",
        "التضليل هو الوجه الآخر للعملة نفسها. فالسرعة التي تساعد السفارة على تحذير مواطنيها "
        "تساعد الشائعات أيضًا على الانتشار. ولذلك تحتاج الوزارات إلى إجراء سريع للتحقق من "
        "الأخبار الكاذبة والرد عليها، وإلى قدر من التواضع يسمح لها بتصحيح أخطائها علنًا حين "
        "تقع فيها، فذلك يزيد ثقة الجمهور ولا ينقصها.",
        "الأمن لا يمكن أن يكون أمرًا ثانويًا. فالحسابات تُخترق، وكلمات المرور يتداولها الزملاء، "
        "والصفحات الشخصية تكشف أماكن سكن الدبلوماسيين وتنقلاتهم. وعلى كل بعثة أن تعرف من "
        "يحتفظ ببيانات الدخول وكيف تستعيد حسابًا مفقودًا، وأن تنبّه موظفيها إلى ما قد تكشفه "
        "منشوراتهم الخاصة عن عملهم وعن أسرهم.",
        "المدونات تستحق اهتمامًا أكبر مما تلقاه. فمقالة قصيرة يكتبها سفير عن مهرجان محلي أو "
        "عن تاريخ مشترك بين البلدين تصل إلى قراء لا يبلغهم البيان الرسمي أبدًا، وتبقى متاحة "
        "للبحث سنوات طويلة. والانتظام أهم من الطول: صفحة صادقة كل شهر تكفي لبناء جمهور وفيّ.",
        "تنظر الإدارة المركزية والبعثات إلى الأدوات نفسها نظرتين مختلفتين. فالعاصمة تريد "
        "رسالة واحدة تتكرر في كل مكان، والسفارة تعرف أن جمهورها يحتاج إلى أمثلة محلية وتوقيت "
        "محلي. وأفضل الترتيبات في الورقة تحدد رسالة أساسية وتترك للبعثات حرية صياغتها.",
        "الاتصال في الأزمات يمتحن كل شيء في وقت واحد. فحين يُعتقل مواطن في الخارج أو يُحرَّف "
        "تصريح رسمي، على السفارة أن ترد خلال ساعات وبلغتين دون أن تستبق الإجراءات القضائية. "
        "والتدرب على مثل هذه الحالات مسبقًا يحوّل اللحظة المخيفة إلى إجراء مألوف.",
        "الجاليات في الخارج جمهور لا يلقى ما يستحق من عناية. فالمواطنون المقيمون خارج البلاد "
        "يتابعون سفارتهم عن كثب ويطرحون أسئلة عملية، وكثيرًا ما يدافعون عن بلدهم في النقاشات "
        "المحلية. والرد عليهم بإتقان وفي الوقت المناسب خدمة قنصلية ودبلوماسية عامة معًا.",
        "النبرة اختيار دبلوماسي بحد ذاته. فرئيس البعثة الذي يكتب بلغة البلد المضيف ويجيب عن "
        "الأسئلة ويعترف بما لا يعرفه يكسب مصداقية نادرًا ما تكسبها البيانات الرسمية، على أن "
        "يُتفق مسبقًا على الحد الفاصل بين الصوت الشخصي والموقف الرسمي للدولة.",
    ],
}

CLOSINGS = {
    "en": [
        "In short, the question for my ministry is no longer whether to be online but how "
        "to organise for it: clear rules, trained people and the patience to listen.",
        "I conclude that the tools matter less than the judgement behind them. A post that "
        "knows what it wants to say, and to whom, will find the right channel.",
        "My recommendation would be modest: start with consular information and listening, "
        "where the value is obvious, and build public diplomacy on that trust.",
        "The cases convinced me that digital work is now part of every diplomat's job, not "
        "a specialty, and that our training should treat it that way.",
    ],
    "fr": [
        "En somme, la question n'est plus de savoir s'il faut être en ligne, mais comment "
        "s'organiser : des règles claires, des agents formés et la patience d'écouter.",
        "J'en conclus que les outils comptent moins que le jugement de ceux qui les "
        "utilisent. Un poste qui sait ce qu'il veut dire trouvera le bon canal.",
        "Je recommanderais de commencer par l'information consulaire et la veille, dont "
        "l'utilité est évidente, et de bâtir la diplomatie publique sur cette confiance.",
    ],
    "ar": [
        "وخلاصة القول إن السؤال المطروح على وزارتي لم يعد هل نكون على الشبكة، بل كيف ننظم "
        "عملنا فيها: قواعد واضحة، وموظفون مدرَّبون، وصبر على الإصغاء.",
        "وأخلص إلى أن الأدوات أقل أهمية من حسن التقدير الذي يوجّه استعمالها، فالبعثة التي "
        "تعرف ما تريد قوله ولمن تقوله ستجد القناة المناسبة.",
        "وتوصيتي متواضعة: أن نبدأ بالمعلومات القنصلية وبالرصد، حيث الفائدة واضحة للجميع، ثم "
        "نبني الدبلوماسية العامة على الثقة التي يولّدها ذلك.",
    ],
}


def _number(*parts) -> int:
    return int.from_bytes(hashlib.sha256("|".join(map(str, parts)).encode()).digest()[:8], "big")


def essay_for(task, enrolment) -> str:
    """The learner's essay for a written assignment (``task``: its progress state), in the
    language they read, at least its minimum and at most its maximum number of words."""
    language = enrolment.user.reading_language or "en"
    if language not in BODY:
        language = "en"
    who, what = enrolment.user.email, task.node.key
    openings, body, closings = OPENINGS[language], BODY[language], CLOSINGS[language]
    order = sorted(range(len(body)), key=lambda i: _number(who, what, "body", i))
    paragraphs = [openings[_number(who, what, "opening") % len(openings)]]
    closing = closings[_number(who, what, "closing") % len(closings)]
    least = task.node.min_words or 0
    most = task.node.max_words
    for index in order:
        if count_words("\n\n".join([*paragraphs, closing])) >= least and len(paragraphs) >= 3:
            break
        candidate = [*paragraphs, body[index]]
        if most is not None and count_words("\n\n".join([*candidate, closing])) > most:
            break
        paragraphs = candidate
    return "\n\n".join([*paragraphs, closing])
