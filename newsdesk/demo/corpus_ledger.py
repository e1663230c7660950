"""Articles of "The Bayport Ledger", a fictional American daily in the fictional port city of Bayport.

Written for the project (no third-party text). Its world stories cover the same events as the
other outlets (the shipping levy, the Aster landing, the Rotterdam strike and tanker fire, the
rower who set out from Bayport) in its own words; one is the Meridian Press wire story The Harbour
Courier also ran, reprinted with another headline and its last paragraph cut.
"""

from __future__ import annotations

from newsdesk.demo.article import DemoArticle, article
from newsdesk.demo.wire import POLAR_TERN_WIRE, WIRE_AUTHOR, WIRE_SOURCE_LINE

LEDGER = "ledger"

DUNMORE = "Rachel Dunmore"
BELL = "Marcus Bell"
ORTIZ = "Elena Ortiz"
KAPLAN = "Sam Kaplan"

ARTICLES_LEDGER: tuple[DemoArticle, ...] = (
    article(
        LEDGER,
        "shipping-carbon-levy-imo-vote-4120",
        "en",
        "Ships will pay for their carbon under first worldwide deal, a shift felt on Bayport's docks",
        (BELL,),
        "Nation & World",
        "2026-11-26T15:10:00-05:00",
        ("shipping", "climate", "port of bayport"),
        (
            "For the first time, an entire global industry will be charged for the greenhouse gases "
            "it puts into the air. Negotiators at the International Maritime Organization, the United "
            "Nations agency that regulates shipping, signed off late Wednesday in London on a fee that "
            "large cargo ships will owe for every ton of carbon dioxide they emit over a cap.",
            "The charge, $150 a ton, starts in 2028 and applies to vessels of 5,000 gross tons or more, "
            "which carry the bulk of world trade. The cap tightens each year, so the bill grows unless "
            "owners switch to cleaner fuels. Revenue goes into a fund meant largely for developing "
            "countries.",
            "The U.S. delegation did not block the deal but said it would study the text before "
            "Congress is asked to act. Saudi Arabia and several other oil exporters held out until the "
            "final session and won a slower phase-in.",
            "At the Port of Bayport, where container traffic passed 1.1 million boxes last year, "
            "operations director Linda Vasquez said carriers had already started asking about shore "
            'power and methanol bunkering. "Nobody here thinks 2028 is far away," she said. "The '
            'ships calling at this port in 2030 are being ordered today."',
            "Economists expect freight rates to rise modestly, adding a few dollars to the cost of "
            "shipping a container, a change that exporters such as [Bayport's lobster dealers]"
            "(/2026/11/20/lobster-season-opens-low-prices-4127) say they can absorb. Formal adoption is "
            "scheduled for a session next spring.",
        ),
    ),
    article(
        LEDGER,
        "aster-spacecraft-asteroid-landing-4122",
        "en",
        "Aster spacecraft sticks its landing on a metal world, with a Maine-built camera aboard",
        (ORTIZ,),
        "Science",
        "2026-11-26T06:45:00-05:00",
        ("space", "asteroids", "science"),
        (
            "A European spacecraft named Aster set down on the metal-rich asteroid 2011 QK4 in the early "
            "hours of Thursday, the first landing ever made on an object of its kind. Word of the "
            "touchdown arrived at mission control in Darmstadt, Germany, at 1:12 a.m. Eastern time, "
            "almost 20 minutes after the fact, because radio signals need that long to make the trip.",
            "The landing ends a cruise that began in 2019 and included swings past Earth and Mars. The "
            "asteroid is roughly 3,000 feet wide and is believed to be the exposed core of a small "
            "planet that was shattered billions of years ago.",
            "Among the instruments now resting on its surface is a wide-angle camera built by a team at "
            "Coastal Maine University, about 40 miles up the coast from Bayport. Professor Daniel "
            "Okonkwo, who led the camera team, stayed up through the night with a dozen graduate "
            'students in a campus lecture hall. "When the first frame came down and it was sharp, the '
            'room just went silent, and then everyone was hugging," he said.',
            "The spacecraft is scheduled to work on the surface for 14 months, drilling and collecting "
            "material before a small capsule lifts off and carries the samples home. Scientists say the "
            "metal could show how the iron cores of planets like Earth took shape.",
        ),
    ),
    article(
        LEDGER,
        "trapped-research-ship-breaks-free-4118",
        "en",
        "Research ship trapped in Antarctic ice for 11 days breaks free",
        (WIRE_AUTHOR,),
        "Nation & World",
        "2026-11-25T07:30:00-05:00",
        ("antarctica", "shipping", "science"),
        POLAR_TERN_WIRE[:-1],
        cited=(),
        source_line=WIRE_SOURCE_LINE,
    ),
    article(
        LEDGER,
        "rotterdam-port-strike-shipping-delays-4115",
        "en",
        "Rotterdam dockworkers walk out, threatening holiday deliveries to U.S. stores",
        (BELL, KAPLAN),
        "Business",
        "2026-11-24T11:05:00-05:00",
        ("shipping", "strikes", "retail"),
        (
            "Crane operators and lashers at Rotterdam, Europe's largest port, began a 48-hour strike on "
            "Tuesday over plans to run more of the port's container terminals by remote control, "
            "leaving dozens of ships waiting at anchor in the North Sea.",
            "The walkout is aimed at the two big terminals on the Maasvlakte, a stretch of reclaimed land "
            "at the mouth of the port. Their operators want to move about 300 crane jobs from the quay "
            "into a control room by 2029. The union says that would cut staffing by a third within a "
            "decade; the companies say no one will be laid off.",
            "For American importers the timing is poor. Rotterdam is a major transfer point for goods "
            "moving between Asia, Europe and the U.S. East Coast, and freight forwarders said some "
            'containers bound for holiday shelves could arrive a week late. "Every day of strike is '
            'roughly three days of backlog," said Tessa Moreau, a logistics consultant in Newark.',
            "Some carriers said they would divert ships to Antwerp and Hamburg. The Port of Bayport said "
            "it expected no direct effect, since few of its transatlantic calls pass through Rotterdam.",
            "Talks between the union and the terminal operators are due to resume Thursday.",
        ),
    ),
    article(
        LEDGER,
        "rotterdam-tanker-fire-botlek-4112",
        "en",
        "Fire on chemical tanker forces crew off ship in Rotterdam",
        (KAPLAN,),
        "Nation & World",
        "2026-11-21T09:40:00-05:00",
        ("fires", "shipping", "netherlands"),
        (
            "Firefighters in the Netherlands battled a blaze aboard a chemical tanker moored in Rotterdam "
            "for about six hours on Saturday after an explosion in its engine room, Dutch emergency "
            "services said. All 23 crew members got off the ship; two were treated for smoke inhalation.",
            "The tanker, the Nordic Jade, was unloading at a liquid-bulk terminal in the Botlek, an "
            "industrial area of the port lined with refineries and storage tanks. Witnesses described a "
            "loud bang shortly after 9 a.m. local time, followed by a column of black smoke visible across "
            "the city.",
            "Fireboats sprayed the hull to keep its cargo tanks, which held vegetable oil and a solvent "
            "used in paint, from overheating. The regional safety authority told people in nearby "
            "Spijkenisse and Hoogvliet to keep windows and doors closed as a precaution and later said "
            "air measurements showed no danger.",
            "The cause of the explosion was not known. The ship, built in 2011 and sailing under the "
            "Maltese flag, will be inspected before it is allowed to move.",
        ),
    ),
    article(
        LEDGER,
        "bayport-rower-finishes-atlantic-crossing-4125",
        "en",
        "Bayport's Jenna Marsh rows alone across the Atlantic in 71 days",
        (DUNMORE,),
        "Sports",
        "2026-11-27T10:20:00-05:00",
        ("rowing", "bayport", "records"),
        (
            "Jenna Marsh, the Bayport schoolteacher who pushed off from Halifax, Nova Scotia, in "
            "September, stepped onto dry land in England on Friday, becoming the first woman from Maine "
            "to row solo across the North Atlantic.",
            "Marsh, 34, spent 71 days alone in a 24-foot boat she named Second Wind, rowing up to 12 "
            "hours a day. She survived a capsize in a storm in October and lost her main water maker two "
            "weeks from the finish, relying on a hand pump for her drinking water after that.",
            "Back home, about 200 people gathered at the Harborview Diner on Water Street, where her "
            'parents watched a live stream of the landing on a television above the counter. "She '
            'called us from the boat every Sunday and never once said she wanted to quit," said her '
            'father, Robert Marsh. "Her mother and I did enough worrying for all three of us."',
            "Marsh has raised more than $180,000 for the pediatric ward at Bayport General Hospital, "
            "where she was treated for leukemia as a child. Pupils at Eastside Middle School, where she "
            "teaches science, tracked her progress on a wall map and sent her questions by satellite "
            "messenger.",
            "She plans to fly home next week.",
        ),
    ),
    article(
        LEDGER,
        "bayport-school-board-later-start-4126",
        "en",
        "School board votes to push back high school start time to 8:30",
        (DUNMORE,),
        "Local",
        "2026-11-24T21:15:00-05:00",
        ("schools", "bayport", "education"),
        (
            "Bayport's two public high schools will start classes at 8:30 a.m. next fall, 55 minutes "
            "later than today, after the school board voted 6-3 on Tuesday night to follow research "
            "showing teenagers learn better with more sleep.",
            "The change was debated for almost two years. Parents who supported it packed the meeting at "
            'the district office on Harbor Road, many holding signs reading "Let them sleep." '
            "Opponents, including several coaches, warned that later dismissal would push practices and "
            "games into the dark in winter and clash with part-time jobs.",
            "Superintendent Carla Jimenez said the district would run bus routes in a new order, picking "
            "up elementary pupils first, which will cost about $400,000 a year in extra drivers. "
            "Elementary schools will start 20 minutes earlier than now.",
            'Students who spoke at the meeting were mostly in favor. "I have been awake since 5:45 every '
            'school day for three years," said Maya Chen, a senior. "I will not get to enjoy this, but '
            'my sister will."',
        ),
    ),
    article(
        LEDGER,
        "lobster-season-opens-low-prices-4127",
        "en",
        "Lobster catch is strong but dock prices sink as winter season opens",
        (BELL,),
        "Business",
        "2026-11-20T16:00:00-05:00",
        ("fishing", "lobster", "bayport"),
        (
            "Lobstermen working out of Bayport say their traps are coming up full this fall, but the "
            "price they are paid at the dock has fallen to about $4.20 a pound, the lowest for the season "
            "in seven years.",
            "Dealers blame weak demand from restaurants and a glut of soft-shell lobster left over from "
            "the summer. Exports to Asia, which had grown quickly, slowed this year after a change in "
            "tariffs, leaving more lobster in the domestic market.",
            '"Fuel is up, bait is up, insurance is up, and the price is down," said Pete Landry, who has '
            'fished the same grounds off Gull Island for 31 years. "You can have a good year on the water '
            'and still lose money."',
            "The Bayport Fishermen's Cooperative said it was talking to processors about freezing more "
            "of the catch to hold it until prices recover. State officials said they were watching the "
            "market but had no plans to limit landings.",
        ),
    ),
)
