"""The one wire story of the demo: a Meridian Press (fictional agency) report two outlets reprint.

The Harbour Courier runs it whole; The Bayport Ledger runs it three hours later under its own
headline with the last paragraph cut, as papers do with agency copy. Both end with the agency's
"Source:" line, which extraction keeps out of the text. Reprint detection must link the two.
"""

from __future__ import annotations

WIRE_AUTHOR = "Karin Lund"
WIRE_SOURCE_LINE = "Source: Meridian Press"

POLAR_TERN_WIRE: tuple[str, ...] = (
    "The research vessel Polar Tern broke out of the pack ice that had held it for 11 days in the "
    "Weddell Sea on Tuesday, the Nordic Polar Institute said, ending an ordeal for the 46 scientists "
    "and crew on board.",
    "A shift in the wind overnight opened a channel of broken ice about 2 kilometres long, and the "
    "ship's master, Captain Ingrid Solberg, took the 94-metre vessel through it at walking pace before "
    "dawn, the institute said in a statement. By Tuesday evening the Polar Tern was in open water and "
    "heading north at 9 knots.",
    "The ship became stuck on Nov. 13 while recovering instruments that measure how fast the underside "
    "of the Halvorsen Ice Shelf is melting. Temperatures dropped to minus 24 degrees Celsius and the "
    "ice around the hull thickened to more than 3 metres, too much for the ship's own reinforced bow.",
    "An Argentine navy icebreaker, the Cabo Austral, had been ordered to the area and was about 300 "
    "nautical miles away when the Polar Tern broke free. It has now been stood down.",
    '"Everyone on board is well, and the science is safe," expedition leader Tomas Eklund said by '
    'satellite phone. "We ate a lot of soup and counted a lot of penguins." The ship is expected to '
    "reach Punta Arenas, Chile, in about 10 days.",
    "The institute said it would review how the ship's route had been planned. It was the vessel's "
    "second stranding in four seasons.",
)
