"""Safety limits on untrusted input, in one place so docs/security.md can cite each.

Every limit exists to keep a hostile bundle from exhausting memory, disk or
time; exceeding one raises :class:`auditviewer.core.errors.LimitError` naming the
file and the limit.
"""

from __future__ import annotations

from dataclasses import dataclass

KiB = 1 << 10
MiB = 1 << 20
GiB = 1 << 30


@dataclass(frozen=True, slots=True, kw_only=True)
class Limits:
    #: One entry's stored bytes (a JSONL line or a Parquet ``entry`` cell).
    max_entry_bytes: int = 1 * MiB
    #: Members of one zip.
    max_zip_members: int = 10_000
    #: Decompressed size of one file (zip member or gzip stream).
    max_file_bytes: int = 32 * GiB
    #: Decompressed size of all files of one input together.
    max_total_bytes: int = 64 * GiB
    #: Decompressed/compressed ratio, checked once a stream has produced ``ratio_grace_bytes``.
    max_compression_ratio: int = 200
    ratio_grace_bytes: int = 16 * MiB
    #: Parquet files inside a zip are read into memory (Parquet needs random access).
    max_in_memory_member_bytes: int = 2 * GiB
    #: Checkpoint lines of one bundle.
    max_checkpoints: int = 200_000
    #: One signed note's text (C2SP notes are small).
    max_note_bytes: int = 64 * KiB
    #: Signature lines read from one note (C2SP: verifiers accept at least 16).
    max_signatures: int = 100
    #: Bytes kept of a line that is not an entry (shown escaped; the rest is said to be cut).
    max_raw_line_bytes: int = 64 * KiB
    #: Lines that are not entries whose bytes are kept while loading (one workspace; past
    #: this, their findings still count them and the Integrity report re-reads a line).
    max_malformed_lines: int = 1_000
    #: Nesting depth of one entry's JSON.
    max_json_depth: int = 64
    #: manifest.json size.
    max_manifest_bytes: int = 16 * MiB
    #: Row groups of one Parquet file (reading is linear in them; each costs footer memory).
    max_parquet_row_groups: int = 1_000_000
    #: Terms (words, phrases, field:value) of one search query: DuckDB's planning of a
    #: condition grows faster than linearly in its terms (measured: 1,000 terms 2.9 s and
    #: 840 MB, 2,000 2.8 GB), so a pasted list is refused past this with a clear error.
    max_query_terms: int = 256
    #: Proof rows (leaf hashes of omitted entries) of one slice.
    max_proof_rows: int = 100_000_000
    #: Proof rows beyond what the bundle's checkpoints can need: a proof holds one row per
    #: omitted entry below the largest checkpointed size, plus (as our exports write
    #: them) the omitted entries of an unsigned tail, for a checkpoint remembered later.
    #: More rows than the largest size plus this are refused from the file's footer.
    max_proof_tail_rows: int = 1_000_000
    #: One line of an annotations file (spec §5) or of a file of case work (history, saved searches).
    max_annotation_line_bytes: int = 256 * KiB
    #: One annotation's note, in characters.
    max_note_chars: int = 64 * KiB
    #: One tag, in characters, and tags on one annotation.
    max_tag_chars: int = 100
    max_tags: int = 100
    #: A file of case work read whole (an origin's annotations, an imported annotations file).
    max_casework_file_bytes: int = 256 * MiB
    #: Entries one evidence report lists (each is a section of the document).
    max_report_entries: int = 10_000
    #: A workspace database's seal (``workspace/seal.py``: its record and the sealed
    #: report); a larger report is not sealed, and a larger file is not read.
    max_seal_bytes: int = 64 * MiB


DEFAULT_LIMITS = Limits()
