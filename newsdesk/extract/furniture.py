"""Page furniture inside the extracted body: share prompts, "Read more" rails, newsletter boxes,
comment prompts, related-story lists, and the headline repeated as the first block.

The rules look at what a block says and how much of it is links, never at which site it is on.
A furniture heading ("Related", "Don't miss", "Читайте также") also takes the link lists that
follow it. Only short blocks are judged by their words: a long paragraph is article text even if it
mentions a newsletter.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from newsdesk.extract.body import Block
from newsdesk.extract.trace import Trace

# Why 200: prompts and rail headings are one short line; real paragraphs that start with the same
# words ("Read more about the budget in our explainer…") are rarely this short and rarely alone.
SHORT_BLOCK = 200
# Why 0.5: a block mostly made of link text is navigation (related stories); article paragraphs
# measured on the dev corpora have under a fifth of their text in links.
LINK_HEAVY = 0.5

# The vocabulary is the web's common furniture words in the languages served, never a phrase met
# on one page: phrases that fired on a single dev page only ("Vorschau auf den nächsten Artikel",
# "Explore further", "If you're seeing this…") were removed after the folds showed their gain
# does not carry to pages they were not read from, and so were prefixes that cut article text on
# the dev sets ("Click here…", "This article was originally published…"); see
# docs/decisions/0006-extraction-folds.md.
# Whole-block prompts (compared after lower-casing and trimming punctuation).
_PROMPT = re.compile(
    r"^(?:advertisement|advertising|anzeige|реклама|publicité|publicidad|sponsored|werbung|"
    r"share(?: this(?: article| story| post)?)?(?: on \w+)?|teilen|поделиться|partager|compartir|"
    r"comments?|\d* ?comments?|kommentare?|комментарии|комментарий|commentaires?|comentarios?|"
    r"what (?:are you thinking|do you think)|tell us what you think|что вы думаете|что думаете|"
    r"was (?:denken|meinen) sie|qu'en pensez-vous|¿?qué opinas|leave a (?:comment|reply)|"
    r"join the (?:conversation|discussion)|print|drucken|"
    r"read more|weiterlesen|читать далее|lire la suite|leer más|"
    r"related(?: articles| stories| coverage| content| posts| news)?|see also|siehe auch|"
    r"don'?t miss|more (?:from|on|in) .{1,60}|most (?:read|popular|viewed)(?: .{1,40})?|trending(?: now)?|"
    r"you (?:may|might) also like|recommended(?: for you| stories)?|also read|more stories|"
    r"mehr zum thema|das könnte sie auch interessieren|auch interessant|lesen sie auch|"
    r"читайте также|смотрите также|по теме|lire aussi|à lire aussi|lee también|te puede interesar|"
    r"tags?|schlagworte|теги|keywords|notas relacionadas|noticias relacionadas|artículos relacionados|"
    r"le puede interesar|te puede interesar|también te puede interesar|czytaj (?:też|także|również)|"
    r"dowiedz się więcej|zobacz (?:też|także|również)|leia (?:também|mais)|veja também|"
    r"leggi anche|potrebbe interessarti|schon gelesen|mehr themen|weitere themen|"
    r"weitere (?:artikel|beiträge|meldungen|nachrichten)|meist(?:-| )?(?:gelesen|diskutiert)|"
    r"keine kommentare|no comments|sin comentarios|нет комментариев|"
    r"nächster artikel|vorheriger artikel|"
    r"next article|previous article|next post|previous post|article suivant|last modified|"
    r"zuletzt (?:aktualisiert|geändert))$",
    re.IGNORECASE,
)
# Prefixes of short furniture blocks.
_PREFIX = re.compile(
    r"^(?:read more|read also|see more|see also|related|also read|more:|don'?t miss|watch:|listen:|"
    r"sign up|subscribe|get the latest|get our|get (?:the )?\w+ (?:app|newsletter)|"
    r"follow (?:us|him|her|them|\w+ on)|like us on|share (?:this|on|via)|"
    r"have a (?:news )?tip|send us|email \w+ at|contact the (?:author|reporter)|"
    r"copyright|©|\(c\) \d{4}|all rights reserved|alle rechte vorbehalten|все права защищены|"
    r"thank you for subscribing|"
    r"lesen sie (?:auch|mehr)|mehr (?:zum thema|lesen|dazu)|jetzt (?:abonnieren|anmelden|teilen)|"
    r"zum newsletter|folgen sie uns|"
    r"читайте (?:также|нас|в)|подписывайтесь|подпишитесь|поделиться|смотрите также|"
    r"lire (?:aussi|la suite)|abonnez-vous|suivez-nous|leer (?:también|más)|suscríbete|síguenos|"
    r"lea (?:también|más)|vea (?:también|más)|mira (?:también|lo que)|únete|"
    r"czytaj (?:też|także|również)|zobacz (?:też|także)|leia (?:também|mais)|leggi anche|"
    r"category ?:|categories ?:|kategorie ?:|rubrik ?:|filed under|posted in|"
    r"\*?werbung\b|anzeige\b|sponsored by|advertisement\b|"
    r"crédits? photos?|photo credits?|bildnachweis|bildquelle|fotos? ?:|foto ?:|"
    r"already a subscriber|never miss|don'?t miss out|let us know what you think)",
    re.IGNORECASE,
)
# Headings that introduce a rail of other stories; the lists right after them go too.
_RAIL_HEADING = re.compile(
    r"^(?:related|see also|more from|more on|more stories|don'?t miss|most read|most popular|"
    r"you (?:may|might) also like|recommended|also read|read more|trending|further reading|"
    r"mehr zum thema|lesen sie auch|auch interessant|das könnte|weitere artikel|"
    r"читайте также|по теме|смотрите также|lire aussi|à lire aussi|lee también|te puede interesar|"
    r"notas relacionadas|noticias relacionadas|le puede interesar|czytaj (?:też|także)|"
    r"schon gelesen|mehr themen|weitere themen|weitere artikel|meist(?:-| )?(?:gelesen|diskutiert)|"
    r"veja também|leggi anche)",
    re.IGNORECASE,
)
_STRIP = " \t\n.,:;!?…-–—|*•·»«\"'[]()"


def _norm(text: str) -> str:
    return " ".join(text.split()).strip(_STRIP).casefold()


def is_furniture(block: Block) -> bool:
    text = block.text.strip()
    if len(text) > SHORT_BLOCK:
        return False
    norm = _norm(text)
    if not norm:
        return True
    return bool(_PROMPT.match(norm) or _PREFIX.match(norm))


def _is_rail_heading(block: Block) -> bool:
    return len(block.text) <= 80 and bool(_RAIL_HEADING.match(_norm(block.text)))


def remove_furniture(blocks: Sequence[Block], title: str | None = None, trace: Trace | None = None) -> list[Block]:
    """Drop furniture blocks; keep the article's order. ``trace`` records each drop and its rule."""
    kept: list[Block] = []
    title_norm = _norm(title) if title else None
    in_rail = False

    def drop(block: Block, reason: str) -> None:
        if trace is not None:
            trace.record(block.kind, block.text, "dropped", "furniture", reason)

    for index, block in enumerate(blocks):
        if index < 3 and not kept and title_norm and _norm(block.text) == title_norm:
            drop(block, "the headline repeated")
            continue  # the headline repeated as the first block: it is stored as the title
        if in_rail:
            if block.kind == "list" or block.link_density >= LINK_HEAVY:
                drop(block, "links under a related-stories heading")
                continue
            in_rail = False
        if _is_rail_heading(block):
            drop(block, "a related-stories heading")
            in_rail = True
            continue
        if is_furniture(block):
            drop(block, "a short prompt (share, subscribe, read more…)")
            continue
        if block.kind == "list" and block.link_density >= 0.8 and _all_short(block.items):
            drop(block, "a list of short links")
            continue  # a list made only of short links is a rail of other stories
        kept.append(block)
    while kept and kept[-1].link_density >= LINK_HEAVY and len(kept[-1].text) <= SHORT_BLOCK:
        drop(kept.pop(), "trailing link line")  # trailing link lines: tags, "more from this author", social links
    return kept


def _all_short(items: Sequence[str]) -> bool:
    return all(len(item) <= 150 for item in items)
