"""The sample's entry stream: the log's entries in order, as canonical JSON lines.

Each line is assembled from pre-serialized pieces (actor, resource, title,
metadata made by :mod:`.events`) so that the per-entry work is a few random draws
and one string format: that is what makes a million entries take seconds.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

from auditviewer.demo.events import TABLE_BITS, TEMPLATES, template_table
from auditviewer.demo.world import World, canon

# Above this many cached line pieces the cache starts over: it bounds memory,
# while the world's small size keeps the hit rate high anyway (~30k in use).
META_CACHE_LIMIT = 200_000

_META_VARIANTS = 8  # metadata variants made per (template, resource); 3 bits


class EntryStream:
    """Makes the log's entries in order as canonical JSON lines.

    Each line is assembled from pre-serialized pieces (actor, resource, title,
    metadata) so that the per-entry work is a few random draws and one string
    format: that is what makes a million entries take seconds.
    """

    def __init__(self, *, seed: int, world: World, time_regressions: bool) -> None:
        self.world = world
        self.rng = random.Random(f"auditviewer-sample-entries:{seed}")
        self.meta_rng = random.Random(f"auditviewer-sample-metadata:{seed}")
        self.time_regressions = time_regressions
        self.table = template_table()
        self.forced: dict[int, int] = {}
        self.seq = 0
        self.base_ms = 0
        self.gap_ms = 1.0
        self._cache: dict[tuple[int, int, int, int, int], tuple[str, str, str]] = {}
        self._metadata: dict[tuple[int, int], list[dict[str, Any]]] = {}
        self._day = -1
        self._day_text = ""
        t_pools = [world.resources[t.resources] for t in TEMPLATES]
        a_pools = [world.actors[t.actors] for t in TEMPLATES]
        self.t_pools = t_pools
        self.a_pools = a_pools
        self.actor_json = {id(a): canon(a.obj) for pool in a_pools for a in pool}
        self.res_json = {
            id(r): canon({"type": r.type, "id": r.id, "name": r.name})
            for pool in t_pools
            for r in pool
        }
        self.title_json = {id(r): canon(r.title) for pool in t_pools for r in pool}

    def set_timeline(self, *, start_ms: int, gap_ms: float) -> None:
        """Times of the next entries: the i-th from here falls in [start + i*gap, start + (i+1)*gap).

        One jittered point per slot keeps times increasing and the span exact,
        whatever the number of entries.
        """
        self.base_ms = start_ms - int(self.seq * gap_ms)
        self.gap_ms = gap_ms

    def _pieces(self, key: tuple[int, int, int, int, int]) -> tuple[str, str, str]:
        """(before id, between id and seq, after time) of one combination; cached."""
        ti, ri, ai, vi, qi = key
        tpl = TEMPLATES[ti]
        res = self.t_pools[ti][ri]
        actor = self.a_pools[ti][ai]
        variants = self._metadata.get((ti, ri))
        if variants is None:
            variants = [tpl.meta(self.meta_rng, res, self.world) for _ in range(_META_VARIANTS)]
            self._metadata[(ti, ri)] = variants
        meta = variants[vi]
        if actor.requests:
            meta = {**meta, "request": actor.requests[qi]}
            if isinstance(meta.get("trigger"), str):
                meta["trigger"] = "manual"  # a person's build is started by hand, not a push
        head = (
            f'{{"action":{canon(tpl.action)},"actor":{self.actor_json[id(actor)]},'
            f'"category":{canon(tpl.category)},"id":"evt_'
        )
        mid = f'","metadata":{canon(meta)},"resource":{self.res_json[id(res)]},"seq":'
        tail = f'","title":{self.title_json[id(res)]}}}'
        if len(self._cache) >= META_CACHE_LIMIT:
            self._cache.clear()
        pieces = (head, mid, tail)
        self._cache[key] = pieces
        return pieces

    def batch(self, n: int) -> list[str]:
        """The next ``n`` entries as JSON lines (no newline)."""
        # Locals: attribute lookups dominate a loop this tight.
        getrandbits = self.rng.getrandbits
        rand = self.rng.random
        table = self.table
        t_sizes = [len(p) for p in self.t_pools]
        a_sizes = [len(p) for p in self.a_pools]
        n_requests = [[max(1, len(a.requests)) for a in p] for p in self.a_pools]
        forced = self.forced
        cache = self._cache
        pieces_of = self._pieces
        base_ms, gap_ms = self.base_ms, self.gap_ms
        regress = self.time_regressions
        table_mask = (1 << TABLE_BITS) - 1
        day, day_text = self._day, self._day_text
        out: list[str] = []
        append = out.append
        for seq in range(self.seq, self.seq + n):
            bits = getrandbits(64)
            ti = forced.get(seq)
            if ti is None:
                ti = table[bits & table_mask]
            ai = (bits >> 28 & 0xFFFF) % a_sizes[ti]
            key = (
                ti,
                (bits >> 12 & 0xFFFF) % t_sizes[ti],
                ai,
                bits >> 44 & 7,
                # Reduced to the actor's own requests so that the cache key space stays small.
                (bits >> 47 & 0xFF) % n_requests[ti][ai],
            )
            pieces = cache.get(key) or pieces_of(key)
            t_ms = base_ms + int((seq + rand()) * gap_ms)
            if regress and bits >> 55 == 0:  # about 1 in 512 entries
                # Two slots back, plus a second: always before the previous entry.
                t_ms -= int(2 * gap_ms) + 1000
            sec, ms = divmod(t_ms, 1000)
            d, rem = divmod(sec, 86400)
            if d != day:
                day = d
                day_text = datetime.fromtimestamp(d * 86400, UTC).strftime("%Y-%m-%d")
            h, rem = divmod(rem, 3600)
            m, s = divmod(rem, 60)
            append(
                f"{pieces[0]}{getrandbits(80):020x}{pieces[1]}{seq}"
                f',"time":"{day_text}T{h:02d}:{m:02d}:{s:02d}.{ms:03d}Z{pieces[2]}'
            )
        self.seq += n
        self._day, self._day_text = day, day_text
        return out
