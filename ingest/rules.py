# ruff: noqa: E501  (a table of regular expressions reads best one rule per line)
"""The classification rules, as data: edit these lists, not `ingest/classify.py`.

KIND_RULES: each rule gives `weight` points to `kind` for every match of `pattern` (a regular
expression, case-insensitive unless `case_sensitive`) in the title and in the body; `ingest.classify`
multiplies title matches by TITLE_MULTIPLIER and counts at most BODY_MATCH_CAP body matches per rule.
A negative weight takes points away (for "pending ratification", which is not a ratification yet).
`where` ("title" or "body") limits a rule to one part; `only_with_org_kinds`, when given, makes the rule count only if a linked organisation has one of those
kinds (a "deal" struck by a union is a collective agreement, not a business deal).

AI_KEYWORDS / ENTERTAINMENT_KEYWORDS: the two sides of relevance. A side is present when its linked
organisations or its keywords (each counted once, at its weight) add up to SIDE_THRESHOLD.
"""

TITLE_MULTIPLIER = 3.0
# The lead (first paragraph, up to LEAD_CHARS) says what happened; the rest is mostly background.
LEAD_MULTIPLIER = 1.5
REST_MULTIPLIER = 0.5
LEAD_CHARS = 500
BODY_MATCH_CAP = 3
# Below this best score the article is "other": no rule spoke clearly.
MIN_KIND_SCORE = 2.0
# A specific kind beats "statement" only from this score: one background mention is not the event.
SPECIFIC_HOLDS = 4.0
# A rule this heavy matching in the headline or the lead states the kind (weaker ones are cue words).
STATED_WEIGHT = 2
# A winning score this high (with no rival) is full confidence; see ingest.classify.confidence.
CONFIDENT_SCORE = 6.0

SIDE_THRESHOLD = 2
# A side with a single piece of evidence counts only if it comes in the headline or this much of the text.
OPENING_CHARS = 1500
STRONG, WEAK = 2, 1

AI_ORG_KINDS = ["ai_company"]
ENTERTAINMENT_ORG_KINDS = ["studio", "streamer", "union", "trade_body", "talent_agency", "production_company"]

KIND_RULES = [
    # --- courts ---------------------------------------------------------------------------------
    {"kind": "lawsuit_filed", "weight": 3, "pattern": r"\b(?:sues|sued|suing|sue)\b"},
    {
        "kind": "lawsuit_filed",
        "weight": 3,
        "pattern": r"\bfiled? (?:a |an )?(?:\w+ ){0,3}(?:lawsuit|suit|complaint)\b",
    },
    {"kind": "lawsuit_filed", "weight": 2, "pattern": r"\bclass[- ]action\b"},
    {"kind": "lawsuit_filed", "weight": 1, "pattern": r"\b(?:lawsuit|complaint|plaintiffs?)\b"},
    {"kind": "lawsuit_filed", "weight": 1, "pattern": r"\b(?:copyright|trademark) infringement\b"},
    {
        "kind": "ruling",
        "weight": 3,
        "pattern": r"\b(?:judge|court|jury|justices?)\b.{0,40}?\b(?:rules?|ruled|dismiss(?:es|ed)?|"
        r"toss(?:es|ed)|throws? out|threw out|grants?|granted|denies|denied|sides? with|finds|found|upholds?|upheld|blocks?|blocked)\b",
    },
    {
        "kind": "ruling",
        "weight": 3,
        "pattern": r"\b(?:ruling|verdict|injunction|summary judgment|decision)\b",
    },
    {"kind": "ruling", "weight": 1, "pattern": r"\b(?:fair use|appeals? court|high court|district court)\b"},
    {"kind": "settlement", "weight": 4, "pattern": r"\bsettle(?:s|d|ment|ments)?\b"},
    {"kind": "settlement", "weight": 1, "pattern": r"\bagree(?:s|d)? to pay\b"},
    # --- labour ---------------------------------------------------------------------------------
    {
        "kind": "agreement",
        "weight": 4,
        "pattern": r"\btentative (?:\w+[- ]\w+ )?(?:agreement|deal|contract)\b",
    },
    # A union striking a deal in a headline is a collective agreement, whatever the deal words say.
    {
        "kind": "agreement",
        "weight": 4,
        "where": "title",
        "pattern": r"\b(?:SAG[- ]AFTRA|WGA|DGA|guilds?|unions?)\b.{0,60}?\b(?:deal|agreement|contract)\b",
    },
    {
        "kind": "agreement",
        "weight": 3,
        "pattern": r"\b(?:reach(?:es|ed)?|strikes?|struck|secures?|secured) (?:an? )?(?:early )?"
        r"(?:\w+[- ]year )?(?:tentative )?(?:\w+ ){0,2}(?:deal|agreement|contract)\b",
    },
    {
        "kind": "agreement",
        "weight": 2,
        "pattern": r"\b(?:collective bargaining|memorandum of agreement|new contract|"
        r"(?:union|guild) contract)\b",
    },
    {
        "kind": "agreement",
        "weight": 2,
        "where": "title",
        "pattern": r"\b(?:deal|agreement|contract)\b",
        "only_with_org_kinds": ["union"],
    },
    {"kind": "ratification", "weight": 6, "pattern": r"\bratif(?:y|ies|ied|ying)\b"},
    {"kind": "ratification", "weight": 3, "pattern": r"\bratification\b"},
    # "Members back contract": the vote on a deal already struck, not the deal.
    {
        "kind": "ratification",
        "weight": 5,
        "where": "title",
        "pattern": r"\bmembers (?:back|approve|approved|endorse|endorsed|vote for|voted for|ratify|ratified)\b",
    },
    {"kind": "ratification", "weight": 2, "pattern": r"\bmembers (?:vote|voted) (?:to approve|in favou?r)\b"},
    {
        "kind": "ratification",
        "weight": -6,
        "pattern": r"\b(?:pending|awaiting|for|ahead of|before) (?:a |the )?"
        r"(?:members' )?ratification\b|\bratification vote\b|\bvote to ratify\b|\bwill (?:vote|decide) (?:on|whether)\b|"
        r"\bratified (?:last|earlier|in (?:19|20)\d\d)\b",
    },
    {"kind": "strike_start", "weight": 5, "pattern": r"\b(?:go|goes|went|going|are|is) on strike\b"},
    {
        "kind": "strike_start",
        "weight": 4,
        "pattern": r"\b(?:join|joins|joined|begin|begins|began|launch|launches|launched|"
        r"call|calls|called|declare|declares|declared)\b.{0,40}?\bstrike\b(?! (?:ends?|ended|is over|suspended))",
    },
    {"kind": "strike_start", "weight": 3, "pattern": r"\bstrike (?:begins|starts|began|started|over)\b"},
    {
        "kind": "strike_start",
        "weight": 2,
        "pattern": r"\b(?:picket lines?|walkout|walk off the job|strike authori[sz]ation)\b",
    },
    {
        "kind": "strike_end",
        "weight": 6,
        "pattern": r"\bstrike (?:ends|ended|is over|comes to an end|suspended|called off)\b",
    },
    {
        "kind": "strike_end",
        "weight": 5,
        "pattern": r"\b(?:end|ends|ended|ending|suspend|suspends|suspended|call off|calls off|"
        r"called off)\b.{0,30}?\bstrike\b",
    },
    {"kind": "strike_end", "weight": 2, "pattern": r"\b(?:back to work|return to work|returns? to sets?)\b"},
    # --- law ------------------------------------------------------------------------------------
    {
        "kind": "legislation",
        "weight": 4,
        "pattern": r"\b(?:[A-Z][A-Z0-9]+ |AI )Act\b",
        "case_sensitive": True,
    },
    {
        "kind": "legislation",
        "weight": 4,
        "pattern": r"\bsigns? (?:\w+ ){0,6}into law\b|\b(?:bill|bills|legislation)\b",
    },
    {
        "kind": "legislation",
        "weight": 2,
        "pattern": r"\b(?:enacts?|enacted|lawmakers|legislators?|legislature|senators?|"
        r"congress|parliament|regulators?|regulation|introduced in the (?:senate|house)|enters? into force)\b",
    },
    # --- business -------------------------------------------------------------------------------
    {
        "kind": "investment",
        "weight": 4,
        "pattern": r"\b(?:invests?|invested|investment|equity stake|stake in|funding round|"
        r"series [a-f]\b|raises? \$|raised \$|valuation|valued at)",
    },
    {"kind": "investment", "weight": 1, "pattern": r"\b(?:investors?|venture capital|backed by)\b"},
    {
        "kind": "deal",
        "weight": 4,
        "pattern": r"\b(?:partners? with|partnership|teams? up|teamed up|licensing (?:deal|agreement)|"
        r"licen[sc]es?|licen[sc]ed|(?:signs?|signed|inks?|inked|strikes?|struck) (?:a |an )?(?:\w+ ){0,3}deal|acquires?|acquired|"
        r"acquisition|merger|to buy)\b",
    },
    {"kind": "deal", "weight": 1, "pattern": r"\b(?:deal|collaborat\w*|agreement)\b"},
    {
        "kind": "deal",
        "weight": 3,
        "pattern": r"\b(?:worked|works|working|teams?) with (?:a |the )?(?:\w+ )?(?:film |movie |TV |game )?"
        r"(?:studio|studios|filmmakers|producers)\b",
    },
    {
        "kind": "product_launch",
        "weight": 4,
        "pattern": r"\b(?:launch|launches|launched|rolls? out|rolled out|releases?|released|"
        r"debuts?|debuted|ships?|shipped|opens? (?:up )?to|goes live|now available|available (?:to|for) (?:all|everyone|users|"
        r"subscribers))\b",
    },
    {"kind": "product_launch", "weight": 4, "pattern": r"\b(?:rolling out|is live|are live|arrives? with)\b"},
    # Not a launch (yet): "before it is released", "hasn't been a public release".
    {
        "kind": "product_launch",
        "weight": -4,
        "pattern": r"\b(?:before it is|before they are|not yet|yet to be|will be|to be) released\b|"
        r"\bhas(?:n't| not) been (?:a )?(?:public )?release",
    },
    {
        "kind": "product_launch",
        "weight": 0.5,
        "pattern": r"\b(?:app|subscribers|users can|public release|general availability)\b",
    },
    {
        "kind": "announcement",
        "weight": 3,
        "pattern": r"\b(?:announce[sd]?|announcement|unveil(?:s|ed|ing)?|introduc(?:es|ed|ing)|issued guidance|guidance|"
        r"reveal(?:s|ed)?|previews?|previewed|shows? off|showed off|joins (?:the |its )?board|appoint(?:s|ed)|names .{0,30}? as|"
        r"plans? to|will (?:launch|open|require|start)|shuts? down|shutting down|closes|new rules?|starts? a (?:\w+ )?unit)\b",
    },
    {
        "kind": "statement",
        "weight": 3,
        "pattern": r"\b(?:says|said|statement|condemn(?:s|ed)?|critici[sz](?:es|ed)|warns?|warned|"
        r"accuses?|accused|open letter|urges?|urged|slams?|slammed|pushes back|pushed back|denounce[sd]?|demands?|demanded|"
        r"speaks? out|spoke out|responds?|responded|petition|calls? (?:for|on)|quits?|resigns?|criticism|backlash)\b",
    },
    # --- More of the ways coverage words each kind (wire, trade press, blogs), added after the first set ---
    # Courts: taking someone to court, bringing a case, a labour charge, damages sought.
    {
        "kind": "lawsuit_filed",
        "weight": 4,
        "pattern": r"\b(?:takes?|took|taking|dragg?(?:s|ed|ing)?) (?:\w+[.']? ){0,4}to court\b|"
        r"\b(?:brings?|brought|bringing|lodge[sd]?|lodging|launch(?:es|ed)?) (?:an? |the )?(?:\w+[- ]?){0,2}"
        r"(?:lawsuit|suit|case|complaint|legal action|legal challenge|claim)\b|"
        r"\bfil(?:es|ed|ing) (?:an? |the )?(?:\w+ ){0,4}(?:charge|petition|claim|action)\b|"
        r"\b(?:seek(?:s|ing)?|sought) (?:\w+ ){0,2}damages\b|\b(?:lawsuit|suit|complaint) (?:against|accusing|alleging|filed)\b",
    },
    {"kind": "lawsuit_filed", "weight": 2, "pattern": r"\b(?:accus(?:es|ed|ing)|alleg(?:es|ed|ing)) (?:\w+ ){0,6}(?:of )?(?:copying|infring|stealing|theft|using)"},
    # Rulings: what judges and courts do to motions, claims and cases.
    {
        "kind": "ruling",
        "weight": 4,
        "pattern": r"\b(?:judge|court|jury|justices?|tribunal|magistrate)\b.{0,60}?\b(?:reject(?:s|ed)?|refus(?:es|ed)|"
        r"allow(?:s|ed)?|lets?|let|approv(?:es|ed)|certif(?:ies|ied)|narrow(?:s|ed)?|trim(?:s|med)?|keeps?|kept|"
        r"sid(?:es|ed) with|dismiss(?:es|ed)?|thr(?:ew|ows?) out|tossed|struck down|strikes? down)\b",
    },
    {
        "kind": "ruling",
        "weight": 4,
        "pattern": r"\bmotions? to dismiss\b|\b(?:los(?:es|t|ing)|wins?|won|winning) (?:\w+ ){0,3}(?:bid|case|lawsuit|suit|appeal|"
        r"challenge|battle|fight)\b|\b(?:claims?|case|suit|lawsuit) (?:survives?|survived|can proceed|may proceed|"
        r"(?:is|was) dismissed|thrown out)\b|\bpermission to appeal\b|\b(?:ruled|rules) (?:that|in favou?r|for|against)\b",
    },
    {
        "kind": "settlement",
        "weight": 5,
        "pattern": r"\b(?:approv\w*|approval)\b.{0,40}?\bsettlement\b|\bsettlement\b.{0,40}?\b(?:approv\w*|approval)\b|"
        r"\b(?:agree[sd]?|agreeing) to (?:settle|resolve|end)\b|\bresolv(?:es|ed|ing) (?:the |a |its |their )?(?:\w+ ){0,2}"
        r"(?:lawsuit|suit|case|dispute)\b",
    },
    # Labour: the end of a strike in its many words, the start of one, votes on a contract.
    {
        "kind": "strike_end",
        "weight": 6,
        # (Not "ends the strike": strike_end#2 counts that already.)
        "pattern": r"\b(?:lift(?:s|ed|ing)?) (?:the |a |its |their )?"
        r"(?:\d+-day )?(?:strike|walkout|work stoppage|restraining order)\b|\b(?:walkout|work stoppage|strike) "
        r"(?:is|was) (?:over|ended|lifted)|\b(?:bring(?:s|ing)?|brought|com(?:es|ing)|came) to (?:a close|an end)\b.{0,60}?"
        r"\b(?:strike|walkout|work stoppage)\b|\b(?:strike|walkout)\b.{0,60}?\bto (?:a close|an end)\b|"
        r"\b(?:go|goes|went|head(?:s|ed)?) back to work\b",
    },
    {
        "kind": "strike_start",
        "weight": 5,
        "pattern": r"\b(?:walk(?:s|ed|ing)? out|walk(?:s|ed)? off (?:the job|sets?)|down(?:s|ed)? tools|hit the picket lines?|"
        r"on the picket lines?|(?:start|begin)s? (?:a |their |its )?(?:strike|walkout))\b",
    },
    {
        "kind": "ratification",
        "weight": 5,
        "pattern": r"\bmembers\b(?: of (?:the )?[\w.-]+(?: [\w.-]+){0,3})? (?:have |had )?(?:\w+ly )?(?:vot(?:e|ed|ing) (?:\w+ly )?(?:to (?:approve|ratify|"
        r"accept)|in favou?r|yes)|approv(?:e|ed)|back(?:ed)?|accept(?:ed)?|endors(?:e|ed))\b",
    },
    {
        "kind": "agreement",
        "weight": 3,
        "pattern": r"\b(?:reach(?:es|ed)?|struck|strikes?|agree[sd]?|conclud(?:es|ed)|hammer(?:s|ed)? out|clinch(?:es|ed)?|"
        r"seal(?:s|ed)?) (?:a |an |the |its |their )?(?:\w+[- ]?){0,3}(?:deal|agreement|contract|accord|pact)\b",
        "only_with_org_kinds": ["union"],
    },
    # Law: bills passing, being signed, laws taking effect.
    {
        "kind": "legislation",
        "weight": 4,
        "pattern": r"\b(?:pass(?:es|ed)?|approv(?:es|ed)|adopt(?:s|ed)|introduc(?:es|ed)|reintroduc(?:es|ed)|vet(?:oes|oed)) "
        r"(?:a |an |the |its )?(?:\w+ ){0,3}(?:bill|law|act|legislation|measure|ordinance|regulations?)\b|"
        r"\b(?:takes?|took|taking|comes?|came|coming) (?:into )?(?:effect|force)\b|\bexecutive order\b|\bsigned (?:\w+ ){0,3}into law\b",
    },
    # Business: partnerships and licensing as trade press words them; pilots and trials with a studio.
    {
        "kind": "deal",
        "weight": 4,
        "pattern": r"\b(?:pacts?|tie-?ups?|alliance|strategic partnership|multi-?year (?:deal|partnership|agreement)|"
        r"collaboration agreement|content deal|licensing pact|signs? on with|signed on with|join(?:s|ed)? forces)\b|"
        r"\b(?:agree[sd]?|agreeing|sign(?:s|ed)?) (?:\w+ ){0,2}to (?:use|license|licence|supply|provide|bring|offer|let)\b",
    },
    {
        "kind": "deal",
        "weight": 3,
        "pattern": r"\b(?:let(?:s|ting)?|allow(?:s|ed|ing)?|invit(?:es|ed|ing)) (?:\w+ ){0,4}(?:to )?(?:try|test|use|trial|pilot)"
        r"(?: out)?\b|\b(?:an? |the )(?:\w+ )?agreement (?:with|between|the companies)\b|"
        r"\bwill use (?:its|their|the|\w+'s) (?:\w+ ){0,3}(?:technology|tools?|models?|platform|software)\b",
    },
    {
        "kind": "investment",
        "weight": 4,
        "pattern": r"\b(?:takes?|took|taking|buys?|bought) (?:a |an )?(?:minority |majority |\w+ )?stake\b|\b(?:puts?|putting|pours?|poured|"
        r"pumps?|pumped) \$?[\d.,]+ ?(?:\w+ )?(?:into|in)\b|\b(?:leads?|led) (?:a |the )?(?:\$[\d.,]+ ?\w* )?(?:funding )?round\b|"
        r"\b(?:backs|backed|backing) (?:\w+ ){0,3}(?:with \$|startup)|\braises?d? \$?[\d.,]+ ?(?:million|billion|m|bn)\b",
    },
    {
        "kind": "product_launch",
        "weight": 4,
        "pattern": r"\b(?:goes|went|go) on sale\b|\b(?:now|is|are) (?:open|available) to\b|\bopens? (?:its|the) doors\b|"
        r"\b(?:expands?|expanded|brings?|brought) (?:\w+ ){0,3}to (?:more|all|new) (?:countries|markets|users|subscribers)\b|"
        r"\bpublic (?:launch|release|beta)\b",
    },
    {
        "kind": "product_launch",
        "weight": -4,
        "pattern": r"\bnot (?:yet )?(?:releasing|launching|available|out)\b|\bno release date\b|\b(?:is|are)n't (?:yet )?available\b|"
        r"\bsince (?:its|the) (?:launch|release|debut)\b",
    },
    # Announcements: units set up, people named, rules and guidance published, things shown.
    {
        "kind": "announcement",
        "weight": 4,
        "pattern": r"\b(?:set(?:s|ting)? up|form(?:s|ed|ing)?|creat(?:es|ed|ing)|launch(?:es|ed|ing)?|open(?:s|ed|ing)?) "
        r"(?:a |an |its |the )(?:new )?(?:in-house )?(?:\w+ ){0,2}(?:unit|division|studio|team|lab|committee|council|department)\b|"
        r"\b(?:publish(?:es|ed)?|issu(?:es|ed)|set(?:s)? out|lays? out|laid out|unveil(?:s|ed)|releas(?:es|ed)|updat(?:es|ed)) "
        r"(?:new |its |the )?(?:\w+ )?(?:guidance|guidelines|rules|policy|policies|principles|code of conduct)\b|"
        r"\b(?:hires?|hired|taps?|tapped|names?|named|appoint(?:s|ed)) (?:\w+ ){0,4}(?:as )?(?:its )?(?:new |first )?"
        r"(?:chief|head|president|chair|director|officer|ceo)\b|\b(?:steps? down|stepping down|step down) as\b",
    },
]

# Keywords for the two sides of relevance: `term` is a regular expression matched on word boundaries.
AI_KEYWORDS = [
    {"term": r"AI", "weight": STRONG, "case_sensitive": True},
    {"term": r"A\.I\.", "weight": STRONG, "case_sensitive": True},
    {"term": r"artificial intelligence", "weight": STRONG},
    {"term": r"generative AI|gen ?AI", "weight": STRONG},
    {"term": r"machine learning", "weight": STRONG},
    {"term": r"Sora", "weight": STRONG, "case_sensitive": True},
    {"term": r"deep ?fakes?", "weight": STRONG},
    {"term": r"digital (?:replicas?|likeness(?:es)?|doubles?)", "weight": STRONG},
    {"term": r"synthetic (?:performers?|actors?|actress|voices?)", "weight": STRONG},
    {"term": r"text[- ]to[- ](?:video|image|speech)", "weight": STRONG},
    {"term": r"large language models?|LLMs?", "weight": STRONG},
    {"term": r"chatbots?|ChatGPT", "weight": STRONG},
    {"term": r"voice clon(?:e|es|ed|ing)|cloned voices?|AI voices?", "weight": STRONG},
    {"term": r"neural networks?|diffusion models?|foundation models?", "weight": STRONG},
    {"term": r"training data|trained on|model training|to train", "weight": WEAK},
    {"term": r"image generators?|video generat(?:or|ors|ion)|AI video|generative", "weight": STRONG},
    {"term": r"algorithms?|automation", "weight": WEAK},
]

# The publishers' and artists' copyright suits against AI companies belong too: a court side (a lawsuit,
# a ruling, a settlement) and a creators' side (the work copied) together count as the screen side,
# provided the AI side is there.
COURT_KEYWORDS = [
    {"term": r"sue[sd]?|suing|lawsuit|class action|complaint|copyright|infringement|court", "weight": STRONG},
]
CREATOR_KEYWORDS = [
    {
        "term": r"artists?|illustrators?|authors?|writers?|photographers?|photographs|journalism|articles|"
        r"newspapers?|publishers?|musicians?|creators?|their work|stock[- ]photo",
        "weight": STRONG,
    },
]
CREATOR_ORG_KINDS = ["media_outlet"]

ENTERTAINMENT_KEYWORDS = [
    {"term": r"Hollywood", "weight": STRONG, "case_sensitive": True},
    {"term": r"SAG[- ‐‑–]?AFTRA|Screen Actors Guild|Writers Guild|Directors Guild|AMPTP", "weight": STRONG},
    {
        "term": r"films|filmmakers?|filmmaking|film industry|feature film|short film|movies?|motion pictures?|cinema",
        "weight": STRONG,
    },
    {
        "term": r"(?<!threat )(?<!bad )actors?|actress(?:es)?|performers?|voice actors?|screenwriters?|showrunners?",
        "weight": STRONG,
    },
    {
        "term": r"box office|TV series|television|TV shows?|streaming (?:service|platform|giant)s?|streamers",
        "weight": STRONG,
    },
    {"term": r"animated|animators?|(?<!suspended )animation|VFX|visual effects|post-production", "weight": STRONG},
    # AI video is the screen industry's AI: a story about a video model belongs without a film keyword.
    {"term": r"Sora|Veo|Movie Gen|video generat(?:or|ors|ion)|text-to-video|AI video|video model", "weight": STRONG},
    {"term": r"likeness(?:es)?|cameos?|voice actors?|dubbing|video games?", "weight": STRONG},
    {"term": r"Oscars?|Academy Awards|Emmys?|Cannes|Sundance", "weight": STRONG},
    {
        "term": r"entertainment industry|video game performers|studio executives|major studios|film studios?",
        "weight": STRONG,
    },
    {
        "term": r"film|studios?|streaming|(?<!suspended )animation|directors?|producers?|writers|entertainment|showbiz",
        "weight": WEAK,
    },
]
