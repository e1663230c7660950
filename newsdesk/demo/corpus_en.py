"""English articles of "The Harbour Courier", a fictional outlet in the fictional city of Port Alder.

Written for the project (no third-party text). Several cover events the other sample outlets report
in their own words (the shipping emissions levy, the Aster probe landing, the Rotterdam strike, the
Atlantic rower), so story clustering has something to join across outlets and languages; one is the
Meridian Press wire story (``wire.py``) that The Bayport Ledger reprints.
"""

from __future__ import annotations

from newsdesk.demo.article import DemoArticle, article
from newsdesk.demo.wire import POLAR_TERN_WIRE, WIRE_AUTHOR, WIRE_SOURCE_LINE

COURIER = "courier"

ELLISON = "Margaret Ellison"
OKAFOR = "David Okafor"
RAMAN = "Priya Raman"
WHITCOMBE = "Tom Whitcombe"
HARDING = "Lucy Harding"

ARTICLES_EN: tuple[DemoArticle, ...] = (
    article(
        COURIER,
        "harbour-bridge-cable-repairs-4102",
        "en",
        "Harbour Bridge to close for six weeks of cable repairs",
        (ELLISON,),
        "City",
        "2026-11-27T15:53:00+00:00",
        ("transport", "harbour bridge", "roadworks"),
        (
            "The Harbour Bridge will close to all traffic from 5 January for six weeks while "
            "engineers replace corroded suspension cables, Port Alder city council confirmed on "
            "Friday.",
            "Inspectors found rust inside two of the main cable bundles during a routine survey in "
            "the summer. The bridge, opened in 1962, carries about 38,000 vehicles a day between the "
            "Old Town and the eastern suburbs. Council engineer Ruth Mabry said the repairs could "
            'not wait for spring. "The bridge is safe today, but it will not stay safe if we '
            'let another winter of salt spray work on those wires," she said.',
            "Buses will be diverted over the Millbank crossing, and the council has asked the "
            "ferry operator to add sailings at rush hour, a plan that builds on the "
            "[night ferry trial](/news/night-ferry-trial-approved-4088) approved last month. "
            "Cyclists and pedestrians will be able to use a temporary walkway on the southern side "
            "on weekdays.",
            "Shop owners on Quay Street, which depends on passing trade from the bridge, said they "
            'had been given too little notice. "January is already our quietest month," said '
            "Alan Pryce, who runs a hardware shop near the bridgehead.",
            "The works are expected to cost £4.2 million, most of it covered by a national "
            "infrastructure grant.",
        ),
    ),
    article(
        COURIER,
        "night-ferry-trial-approved-4088",
        "en",
        "Council approves night ferry trial between Eastquay and Millbank",
        (ELLISON,),
        "City",
        "2026-11-20T18:10:00+00:00",
        ("transport", "ferries", "council"),
        (
            "A night ferry linking Eastquay and Millbank will run for a six-month trial from "
            "December after councillors voted 31 to 9 in favour on Thursday evening.",
            "The service will leave every 40 minutes between midnight and 5am on Fridays and "
            "Saturdays. Hospital staff and hospitality workers campaigned for the link for more "
            "than two years, saying the only alternative after midnight is a taxi fare of around "
            "£25 or an hour-long walk around the head of the bay.",
            "Councillor Joan Whitley, who chairs the transport committee, said the trial would "
            'be judged on passenger numbers. "If fewer than 150 people use it on an average '
            'night, we will have to think again," she told the chamber. The ferry operator, '
            "Bayline, will receive a subsidy of £380,000 for the trial period.",
            "Opposition councillors questioned whether the money would be better spent on night "
            "buses, which they said could serve more neighbourhoods. Supporters replied that "
            "buses would face the same long detour around the bay that makes the journey so slow "
            "today.",
        ),
    ),
    article(
        COURIER,
        "customs-house-library-reopens-4071",
        "en",
        "Old Customs House reopens as public library three years after fire",
        (ELLISON,),
        "City",
        "2026-11-18T11:30:00+00:00",
        ("libraries", "heritage", "old town"),
        (
            "The Old Customs House on Wharf Lane reopened on Wednesday as Port Alder's central "
            "library, three years after a fire gutted its upper floors.",
            "The Georgian building, where ships' cargoes were once weighed and taxed, now holds "
            "about 90,000 books, a children's floor and a reading room under the restored glass "
            "roof. The ledgers of the old customs service, some dating from the 1790s, are on "
            "display in the former tax hall.",
            "Head librarian Samira Cole said more than 2,000 people visited on the first morning. "
            '"People kept telling us they used to come here with their grandparents to watch the '
            'ships," she said. "Now their own children are upstairs in the story corner."',
            "The restoration cost £11 million, raised from the insurance settlement, a heritage "
            "fund and a public appeal that collected £640,000 in small donations. Investigators "
            "never established the cause of the 2023 fire, which started in a storeroom that was "
            "being used by a furniture restorer.",
            "The library will open seven days a week, with late opening until 9pm on Thursdays.",
        ),
    ),
    article(
        COURIER,
        "tram-drivers-accept-pay-offer-4095",
        "en",
        "Tram drivers vote to accept pay offer, ending threat of winter strikes",
        (ELLISON, HARDING),
        "City",
        "2026-11-24T09:05:00+00:00",
        ("transport", "trams", "strikes", "unions"),
        (
            "Tram drivers in Port Alder have voted to accept a two-year pay deal, calling off "
            "six days of strikes that had been planned for December.",
            "Members of the transport workers' union backed the offer by 412 votes to 97, on a "
            "turnout of 84 per cent. The deal gives drivers a rise of 6.5 per cent this year and "
            "4 per cent next year, together with a guaranteed 30-minute break on shifts longer "
            "than six hours.",
            "Union organiser Keith Barlow said the break had mattered to members as much as the "
            'money. "Drivers were eating sandwiches at red lights," he said. "That is not how '
            'you run a safe railway."',
            "City Trams, the council-owned operator, said the agreement would add about £3 "
            "million a year to its wage bill. Managing director Helen Ashdown said fares would "
            "not rise beyond the inflation increase already planned for April, and that the "
            "company would look for savings in its maintenance contracts.",
            "Passenger groups welcomed the news after a year in which the network lost eleven "
            "days to industrial action.",
        ),
    ),
    article(
        COURIER,
        "saltmarsh-flood-barrier-test-4110",
        "en",
        "Flood barrier test at Saltmarsh Lock passes with minutes to spare",
        (ELLISON,),
        "City",
        "2026-11-28T07:45:00+00:00",
        ("flooding", "environment", "infrastructure"),
        (
            "The new flood barrier at Saltmarsh Lock closed fully in its first live test on "
            "Thursday night, but took almost twice as long as designed, engineers said.",
            "The two steel gates, each weighing 180 tonnes, are meant to swing shut in eight "
            "minutes when a storm surge is forecast. During the test they took fourteen minutes "
            "after a hydraulic pump on the northern side lost pressure. The tide, which peaked at "
            "5.1 metres, stayed well below the level at which the gates would have been needed.",
            'The Environment Agency said the result was "a pass, but not a comfortable one". '
            "Project manager Owen Reece said a replacement pump would be fitted before the "
            "highest tides of the winter, which are expected in the second week of January.",
            "About 4,000 homes in the Saltmarsh and Lower Quay districts sit behind the barrier. "
            "Many were flooded in 2019, when a surge overtopped the old embankment. Residents at "
            "a public meeting on Wednesday asked for the test results to be published in full, "
            "and the agency agreed to do so within a month.",
        ),
    ),
    article(
        COURIER,
        "port-alder-record-container-volumes-4090",
        "en",
        "Port Alder container volumes hit record as shippers avoid congested hubs",
        (OKAFOR,),
        "Business",
        "2026-11-21T13:20:00+00:00",
        ("shipping", "port", "trade"),
        (
            "Port Alder handled more containers in October than in any month in its history, as "
            "shipping lines diverted cargo away from congested hubs on the continent, the port "
            "authority said on Friday.",
            "The port moved 142,000 twenty-foot equivalent units last month, up 18 per cent on a "
            "year earlier. Two large Asian carriers added Port Alder to their rotations in "
            "September after waiting times at bigger ports stretched beyond four days, "
            "according to figures compiled by Reuters from shipping data.",
            '"We were always the second choice," said port authority chief executive Marcus '
            'Lindqvist. "For a few months this year, we were the only choice that kept a '
            'schedule." He said the port would spend £60 million on two more ship-to-shore cranes, '
            "a decision that also supports the [tug order placed at Gullet Yard](/news/shipyard-"
            "hydrogen-tugs-order-4079) this month.",
            "Analysts cautioned that some of the extra traffic may return to the larger hubs once "
            "congestion eases. Freight rates on the main Asia to Europe routes fell 9 per cent "
            "in October, Reuters reported, a sign that capacity is coming back.",
        ),
        cited=("Reuters",),
        source_line="Source: Reuters",
    ),
    article(
        COURIER,
        "shipyard-hydrogen-tugs-order-4079",
        "en",
        "Gullet Yard wins order for four hydrogen-ready tugboats",
        (OKAFOR,),
        "Business",
        "2026-11-19T10:00:00+00:00",
        ("shipbuilding", "jobs", "hydrogen"),
        (
            "Gullet Yard, the last working shipyard on the Alder estuary, has won an order to build "
            "four tugboats that can be converted to run on hydrogen, securing about 300 jobs until "
            "at least 2029.",
            "The tugs, ordered by the port authority, will run on diesel-electric engines at "
            "first but are built with space and pipework for fuel cells. Yard director Fiona "
            "McAllister declined to give the value of the contract, but industry sources put it "
            "at around £48 million.",
            '"Five years ago people were asking whether this yard had a future," McAllister '
            'told staff at a meeting in the fitting-out shed. "This order answers the question." '
            "The yard will take on 40 apprentices next year, its largest intake since the 1990s.",
            "The first steel will be cut in March, with the first tug due to enter service in "
            "autumn 2027. The port authority said the new vessels would replace tugs built in "
            "the 1980s that cost increasingly more to keep running.",
        ),
    ),
    article(
        COURIER,
        "crumb-and-co-administration-4084",
        "en",
        "Bakery chain Crumb & Co files for administration",
        (OKAFOR,),
        "Business",
        "2026-11-20T08:40:00+00:00",
        ("retail", "insolvency", "food"),
        (
            "Crumb & Co, the bakery chain that grew from a single stall in Port Alder's covered "
            "market to 64 shops, filed for administration on Thursday, putting about 900 jobs at "
            "risk.",
            "The company blamed higher energy bills, the rising price of wheat and butter and a "
            "fall in spending by office workers who now come to town two or three days a week. "
            "Administrators from Kendall Price said all shops would keep trading while they look "
            "for a buyer.",
            'Founder Grace Ombe, who opened the first stall in 2004, said she was "heartbroken". '
            "In a statement carried by AP, she said the chain had expanded too quickly after "
            'taking outside investment in 2021. "We opened shops where we should not have, and '
            'we kept them open too long," she said.',
            "Suppliers in the region are owed about £3.5 million, according to documents filed "
            "with the court. A flour mill in Hesket said Crumb & Co accounted for almost a fifth "
            "of its sales.",
        ),
        cited=("AP",),
        source_line="Source: AP",
    ),
    article(
        COURIER,
        "imo-global-shipping-emissions-levy-4107",
        "en",
        "Shipping nations agree first global levy on vessel emissions",
        (OKAFOR,),
        "World",
        "2026-11-26T17:25:00+00:00",
        ("shipping", "climate", "imo", "emissions"),
        (
            "Governments meeting at the International Maritime Organization in London agreed on "
            "Wednesday to impose the first global charge on greenhouse gas emissions from ships, "
            "Reuters reported.",
            "Under the deal, owners of vessels above 5,000 gross tonnes will pay $150 for each "
            "tonne of carbon dioxide equivalent they emit above a declining limit, starting in "
            "2028. The money will go into a fund to help poorer countries build clean fuel "
            "supply and port infrastructure.",
            "The agreement was reached after two weeks of talks and a late-night session in "
            "which several oil-producing states dropped their objections in exchange for a longer "
            "transition period, according to delegates who spoke to Reuters on condition of "
            "anonymity.",
            "Shipping accounts for close to 3 per cent of global emissions. Environmental groups "
            "said the charge was too low to change behaviour quickly, while industry bodies "
            "welcomed a single global rule instead of a patchwork of regional schemes. For a port "
            "city like ours, where traffic has [reached new records](/news/port-alder-record-"
            "container-volumes-4090) this autumn, the cost will be felt in freight rates.",
            "The rules still need formal adoption at a session planned for next spring.",
        ),
        cited=("Reuters",),
        source_line="Source: Reuters",
    ),
    article(
        COURIER,
        "seagrass-meadows-drone-survey-4086",
        "en",
        "University team maps seagrass meadows with underwater drones",
        (RAMAN,),
        "Science",
        "2026-11-20T12:15:00+00:00",
        ("marine biology", "university", "environment"),
        (
            "Researchers at Port Alder University have produced the first complete map of the "
            "seagrass meadows in the outer bay, using small underwater drones that photograph the "
            "sea floor every few seconds.",
            "The survey found 312 hectares of seagrass, about a third more than the last estimate "
            "made by divers in 2009. Most of the growth is in sheltered water behind the "
            "breakwater, where boat moorings were removed ten years ago.",
            '"Seagrass is a nursery for fish and it stores carbon in the sediment far faster '
            'than a forest does on land," said Dr Hannah Greaves, who led the project. "We '
            'could not protect it properly because we did not know where it was."',
            "The drones, each about the size of a suitcase, followed pre-set lines across the "
            "bay over 46 days. A computer model trained on 20,000 labelled images then sorted "
            "the photographs into seagrass, sand, rock and mud.",
            "The team will share the map with the harbour authority, which is drawing up new "
            "anchoring rules for leisure boats.",
        ),
    ),
    article(
        COURIER,
        "aster-probe-lands-on-asteroid-4105",
        "en",
        "Aster probe touches down on asteroid after seven-year journey",
        (RAMAN,),
        "Science",
        "2026-11-26T09:40:00+00:00",
        ("space", "asteroids", "aster mission"),
        (
            "The European probe Aster landed on the asteroid 2011 QK4 early on Thursday, "
            "completing a seven-year journey and becoming the first spacecraft to touch down on "
            "a metal-rich asteroid, mission controllers said.",
            "Confirmation reached the control centre in Darmstadt at 06:12 GMT, about 19 minutes "
            "after the landing, the time a radio signal takes to cross the distance. Cheers broke "
            "out when the first telemetry showed the probe was upright and its solar panels were "
            "producing power, the AP reported.",
            "The asteroid, about 900 metres across, is thought to be a fragment of the core of a "
            "small planet that broke apart early in the history of the solar system. Scientists "
            "hope that samples of its surface will show how the cores of rocky planets, "
            "including Earth's, first formed.",
            '"We are standing on a piece of a world that no longer exists," chief scientist '
            "Dr Lena Hoffmann told reporters, according to Reuters. The probe will spend 14 "
            "months on the surface before launching a capsule of samples back to Earth.",
            "Dr Malcolm Reid of Port Alder University, who helped design one of the probe's "
            "spectrometers, watched the landing with students in the physics building.",
        ),
        cited=("AP", "Reuters"),
        source_line="Source: Reuters",
    ),
    article(
        COURIER,
        "harbour-seals-return-estuary-4092",
        "en",
        "Harbour seals return to the estuary in greatest numbers since the 1980s",
        (RAMAN,),
        "Science",
        "2026-11-22T14:00:00+00:00",
        ("wildlife", "seals", "estuary"),
        (
            "The annual seal count on the Alder estuary has found 486 harbour seals, the highest "
            "number since records began in 1984, volunteers from the Bay Wildlife Trust said.",
            "Counters in boats and on the sandbanks at low tide recorded 61 pups, a sign that "
            "the colony is breeding successfully rather than simply attracting animals from "
            "elsewhere. The population fell to fewer than 120 in the late 1980s, when a virus "
            "killed thousands of seals around the North Sea.",
            "Trust ecologist Ben Aldridge credited cleaner water and the closure of two "
            'sandbanks to walkers during the pupping season. "The seals have told us very '
            'clearly what they need: quiet and fish," he said.',
            "Not everyone is pleased. Anglers at the estuary mouth say seals take fish from "
            "their lines, and one local boat operator has asked the council to review the "
            "sandbank closures, which he said cost him trips in July.",
            "The trust asked visitors to stay at least 100 metres from seals resting on the "
            "banks and to keep dogs on leads along the shore path.",
        ),
    ),
    article(
        COURIER,
        "short-antibiotic-course-children-pneumonia-4098",
        "en",
        "Shorter antibiotic course works as well for children's pneumonia, hospital trial finds",
        (RAMAN, HARDING),
        "Science",
        "2026-11-25T16:30:00+00:00",
        ("health", "medicine", "children"),
        (
            "Children with mild pneumonia recover just as well after three days of antibiotics "
            "as after the usual seven, according to a trial led by doctors at Port Alder "
            "General Hospital.",
            "The study followed 1,140 children aged between one and ten in 23 hospitals. Half "
            "took amoxicillin for three days and half for seven. After a month, 91 per cent "
            "of both groups had recovered without needing further treatment, the researchers "
            "reported in a medical journal on Tuesday.",
            "The shorter course caused fewer side effects such as diarrhoea and rashes, and "
            'parents found it easier to complete. "Every extra day of antibiotics is a day in '
            'which resistant bacteria get a chance to grow," said paediatrician Dr Tobias '
            "Wren, the trial's lead author.",
            "The authors stressed that their findings apply only to children well enough to be "
            "treated at home, and that parents should not stop a prescribed course early "
            "without advice. National guidance on childhood pneumonia is due to be reviewed "
            "next year.",
        ),
    ),
    article(
        COURIER,
        "mariners-clinch-promotion-4101",
        "en",
        "Port Alder Mariners clinch promotion with stoppage-time winner",
        (WHITCOMBE,),
        "Sport",
        "2026-11-23T19:55:00+00:00",
        ("football", "mariners", "promotion"),
        (
            "Port Alder Mariners sealed promotion with four games to spare on Sunday, when "
            "substitute Kofi Mensah headed in a corner in the third minute of stoppage time "
            "to beat Hesket Town 2-1.",
            "The Mariners had trailed at half-time after a mistake by goalkeeper Sam Doyle let "
            "Hesket's Craig Baxter score from 30 yards. Captain Jamie Roper levelled with a "
            "low shot on the hour, and Mensah, on the pitch for only eight minutes, won it in "
            "front of a crowd of 7,400 at the Quayside Ground.",
            '"I told the lads at half-time that one mistake does not define a season," said '
            'manager Phil Okoro. "They went out and proved it." It is the club\'s first '
            "promotion since 2008.",
            "The result means the Mariners cannot be caught by third-placed Millbank Rovers. "
            "The club said it would hold an open training session for supporters next weekend "
            "and that a parade along the harbour front would depend on the weather and on "
            "the reopening plans for the [Harbour Bridge](/news/harbour-bridge-cable-"
            "repairs-4102).",
        ),
    ),
    article(
        COURIER,
        "courier-cup-regatta-cancelled-gales-4109",
        "en",
        "Courier Cup regatta cancelled as gales sweep the bay",
        (WHITCOMBE,),
        "Sport",
        "2026-11-27T08:20:00+00:00",
        ("sailing", "rowing", "weather"),
        (
            "The Courier Cup regatta, the last big rowing and sailing event of the year on the "
            "bay, was cancelled on Thursday after forecasters warned of gusts of up to 70 miles "
            "an hour over the weekend.",
            "More than 60 crews from eleven clubs had entered. Organisers said they had looked "
            "at moving races into the sheltered inner harbour but decided the risk was too "
            "high, especially for the junior crews who make up almost half the field.",
            '"Nobody wants to cancel a regatta," said race officer Diane Holloway. "But the '
            'sea does not care how hard you have trained." Entry fees will be refunded or '
            "carried over to the spring event.",
            "The cancellation is the second in three years. In 2024 the regatta was called off "
            "when fog closed the bay for most of the day. Clubs have asked the organisers to "
            "consider moving the race to October, when the weather is usually calmer, and a "
            "decision is expected in the new year.",
        ),
    ),
    article(
        COURIER,
        "polar-tern-freed-from-ice-4117",
        "en",
        "Polar Tern breaks free after 11 days trapped in Antarctic ice",
        (WIRE_AUTHOR,),
        "World",
        "2026-11-25T10:05:00+00:00",
        ("antarctica", "shipping", "science"),
        POLAR_TERN_WIRE,
        source_line=WIRE_SOURCE_LINE,
    ),
    article(
        COURIER,
        "rotterdam-dockers-strike-automation-4114",
        "en",
        "Rotterdam dockers strike over remote-controlled cranes as ships queue offshore",
        (OKAFOR,),
        "Business",
        "2026-11-24T12:30:00+00:00",
        ("shipping", "strikes", "port of alder"),
        (
            "Dock workers at Rotterdam stopped work at six o'clock on Tuesday morning for 48 hours, the "
            "first strike at Europe's busiest port in almost a decade, in a dispute over cranes that "
            "terminal operators want to steer from an office instead of a cabin above the quay.",
            "By midday 41 container ships were anchored off the Hook of Holland waiting for a berth, "
            "according to ship-tracking data. The union representing the port's 9,000 dockers says "
            "remote operation is a way to shed staff; the two Maasvlakte terminal companies say the "
            "change would be gradual and that no current employee would lose their job.",
            "Here in Port Alder the harbour board is preparing for a share of the overflow. Two carriers "
            "asked on Tuesday whether they could land cargo at the Eastquay container terminal this "
            "week, and the board has added a night shift to handle them. Harbour master Colin Frain "
            "said the extra calls were welcome but warned that the terminal's yard was already close "
            "to full after a record autumn.",
            "Freight agents in the city said the strike could push some Christmas stock back by a week. "
            "Negotiators are due to meet again in Rotterdam on Thursday.",
        ),
    ),
    article(
        COURIER,
        "atlantic-rower-lands-port-alder-4124",
        "en",
        "Crowds cheer solo rower into Port Alder marina after 71 days at sea",
        (WHITCOMBE,),
        "Sport",
        "2026-11-27T13:10:00+00:00",
        ("rowing", "marina", "records"),
        (
            "An American rower who set out from Canada in September brought her boat into the Port "
            "Alder marina on Friday morning, ending a solo crossing of the North Atlantic that took 71 "
            "days.",
            "Jenna Marsh, a 34-year-old science teacher, was escorted past the breakwater by two "
            "lifeboats and a flotilla of dinghies from the Alder Yacht Club. Several hundred people "
            "lined the pontoons, and the club's commodore handed her a pint glass of orange juice, "
            "which she said she had been dreaming about since October.",
            "Her 7.3-metre boat, Second Wind, rolled over in a storm 600 miles west of Ireland, and her "
            "desalinator failed in the last fortnight, leaving her to pump drinking water by hand. She "
            'looked thin but walked unaided up the slipway. "My legs have forgotten what they are '
            'for," she told the crowd. "My arms have not."',
            "The club's secretary, Gwen Tallis, said Port Alder was chosen as the finish because of its "
            "sheltered approach in westerly gales. Marsh will rest in the city for several days before "
            "flying home. Her boat will be shipped back from the Eastquay terminal.",
        ),
    ),
)
