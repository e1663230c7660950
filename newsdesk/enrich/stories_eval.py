"""An adapter for ``../shared/tools/cluster_eval.py``: the ingest path over a benchmark folder.

``cluster(docs)`` builds the clusterer exactly as the stories stage does
(``ClusterParams.from_settings(Settings())`` and the configured embedder) and feeds the articles in
stream order through ``assign_many``; ``embedder="none"`` measures the sparse path alone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from newsdesk.enrich.embed import load_embedder
from newsdesk.enrich.stories import ClusterParams, StoryClusterer, StoryDoc
from newsdesk.settings import Settings

EPOCH = "1970-01-01T00:00:00+00:00"  # undated data (SemEval): one instant, in stream order


def to_story_docs(docs: list[dict[str, Any]]) -> list[StoryDoc]:
    out = []
    for i, d in enumerate(docs):
        translations = {k: (v[0], v[1]) for k, v in (d.get("translations") or {}).items()}
        out.append(StoryDoc(i + 1, d.get("title") or "", d.get("text") or "", d.get("lang"),
                            datetime.fromisoformat(d.get("published_at") or EPOCH), translations=translations))
    return out


def cluster(docs: list[dict[str, Any]], embedder: str | None = None, batch: int = 256,
            **overrides: Any) -> list[int]:
    values: dict[str, Any] = dict(overrides)
    if embedder is not None:
        values["story_embedder"] = embedder
    settings = Settings(**values)
    clusterer = StoryClusterer(ClusterParams.from_settings(settings), load_embedder(settings.story_embedder))
    story_docs = to_story_docs(docs)
    out: list[int] = []
    for i in range(0, len(story_docs), batch):
        out.extend(a.story_id for a in clusterer.assign_many(story_docs[i:i + batch]))
    return out
