"""Chinese full-text search of the policy library.

Words come from jieba (search mode) with a domain dictionary. Each word of a synonym group is indexed
together with the group's first word, and a query asks for that first word only, so a colloquial
question ("失业金怎么领") finds the formal title ("失业保险金申领") with one term per meaning. Queries
drop question words; words nearly every item holds ("申请", single characters) only order the
results. Items holding every term come first, ranked by the database; when they are too few, items
whose title holds some of the terms follow, then items holding some of them anywhere. SQLite uses an
FTS5 table kept in step by triggers, PostgreSQL a stored, weighted tsvector column with a GIN index.
"""

import logging
import math
import re
import time
from functools import cache
from pathlib import Path

from django.db import connection

DATA = Path(__file__).parent / "data"
CJK = re.compile(r"[\u3400-\u9fff]")
WORD = re.compile(r"^[\w\u3400-\u9fff]+$")
# Question and filler words that carry no meaning for the search.
STOPWORDS = frozenset(
    """
    怎么 怎样 怎么样 怎么办 如何 哪里 哪儿 哪个 哪些 什么 什么时候 多少 多久 多长时间 为什么 谁 找谁
    能不能 能否 可不可以 可以 是否 是不是 有没有 没有 需要 要 吗 呢 吧 啊 呀 咋 咋办 的 了 有 是 能 会
    我 我们 你 他 她 家 想 请问 一下 去 在 和 与 及 或 给 帮 把 被 就 都 还 也 时候 几岁 办理 手续
    """.split()  # noqa: SIM905
)
# Words nearly every item holds ("申请", "领"): they do not choose items, only order them, unless
# they are all the query has (someone searching just "办理" still gets results). Single characters
# and numbers count as weak too.
WEAK = frozenset(["办理", "手续", "申请", "申领", "领取", "申办", "去领", "能领", "领"])
FTS_TABLE = "fieldwork_item_fts"


@cache
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    userdict = DATA / "userdict.txt"
    if userdict.exists():
        tokenizer.load_userdict(str(userdict))
    for group in synonyms().values():
        for word in group:
            tokenizer.add_word(word, 2000)
    return tokenizer


@cache
def synonyms() -> dict[str, tuple[str, ...]]:
    """word → its whole synonym group (the word included)."""
    path = DATA / "synonyms.txt"
    groups: dict[str, tuple[str, ...]] = {}
    if not path.exists():
        return groups
    for line in path.read_text(encoding="utf-8").splitlines():
        words = tuple(dict.fromkeys(line.split()))
        if not words or line.startswith("#"):
            continue
        for word in words:
            groups[word] = words
    return groups


def warm_up() -> None:
    """Load the dictionary now (about a second) rather than in a user's first search."""
    _jieba()


def words(text: str) -> list[str]:
    """Search-mode words of `text`, lower-cased, without punctuation; in order, no repeats."""
    seen = dict.fromkeys(w.strip().lower() for w in _jieba().lcut_for_search(text or ""))
    return [w for w in seen if w and WORD.match(w)]


def canonical(word: str) -> str:
    """The word that stands for its synonym group in the index and in queries."""
    group = synonyms().get(word)
    return group[0] if group else word


def _tokens(text: str) -> str:
    found = dict.fromkeys(words(text))
    for word in list(found):
        found[canonical(word)] = None
    return " ".join(found)


def index_text(title: str, body: str) -> tuple[str, str]:
    """What the index stores for an item: title and body words, each with its group's word."""
    return _tokens(title), _tokens(body)


def _weak(word: str) -> bool:
    return word in WEAK or len(word) == 1 or word.isdigit()


def parse(query: str) -> tuple[list[str], list[str]]:
    """(terms, hints) of a query, as index words. Terms choose the items; hints, the weak words, only
    order them."""
    found = words(query)
    stop = [w for w in found if w in STOPWORDS]
    # Pieces of a question word are question words too (没有 inside 有没有).
    meaningful = [w for w in found if w not in STOPWORDS and not any(w in s for s in stop)]
    # A word whose longer form is also in the query adds nothing (失业 inside 失业金).
    meaningful = [w for w in meaningful if not any(w != o and w in o for o in meaningful)]
    strong = [w for w in meaningful if not _weak(w)]
    weak = [w for w in meaningful if _weak(w)]
    if not strong:
        strong, weak = [w for w in found if w in WEAK] or weak, []
    terms = list(dict.fromkeys(canonical(w) for w in strong))[:8]
    # The words as asked order the results too: 适老化改造 before the other 居家改造 items.
    hints = [canonical(w) for w in weak] + strong
    return terms, [w for w in dict.fromkeys(hints) if w not in terms]


def query_terms(query: str) -> list[str]:
    """The terms that choose the items of a query."""
    return parse(query)[0]


# Candidates read per pass; they are re-ranked here so both databases order results alike.
CANDIDATES = 100
# A term in more than this share of the items says little about what is asked (家庭, 老人).
COMMON = 0.2


def search_ids(query: str, *, limit: int = 20, line_id: int | None = None) -> list[int]:
    """Ids of active items (of one service line if given), best first. Items holding every term come
    first; when they are too few, items holding some of the telling terms. Within each, items whose
    title holds the rarer terms, then more of the hints, first; then the database's relevance order."""
    terms, hints = parse(query)
    if not terms:
        return []
    weights = _weights(terms)
    # A word no item holds cannot help ("能装" in 能装扶手吗).
    terms = [t for t in terms if weights[t][1] > 0] or terms
    telling = [t for t in terms if weights[t][1] <= COMMON] or [min(terms, key=lambda t: weights[t][1])]
    # Each pass only when those before found too few: every term in the title, every term anywhere,
    # then some of the telling terms in the title, then anywhere.
    passes = [(terms, True, True), (terms, True, False)]
    if len(terms) > 1:
        passes += [(telling, False, True), (telling, False, False)]
    idf = {t: weights[t][0] for t in terms}
    rows: list[tuple[int, str, bool]] = []
    for wanted, every, title_only in passes:
        seen = {row[0] for row in rows}
        found = _run(wanted, weights=idf, every=every, line_id=line_id, title_only=title_only)
        rows += [row for row in found if row[0] not in seen]
        if len(rows) >= limit:
            break

    def in_title(title: str, wanted) -> float:
        return sum(weight for w, weight in wanted if f" {w}" in title)

    ranked_terms = list(idf.items())
    ranked_hints = [(h, 1.0) for h in hints]

    def key(pair):
        position, (_pk, title, matched_all) = pair
        return (not matched_all, -in_title(title, ranked_terms), -in_title(title, ranked_hints), position)

    return [row[0] for _position, row in sorted(enumerate(rows), key=key)[:limit]]


# How many active items hold each term: counted once, then kept for a while, since they only weigh
# the terms. An item saved or deleted in this process forgets them at once (`forget`).
COUNTS_KEPT_S = 300
_counted: dict = {}


def forget(**_kwargs) -> None:
    _counted.clear()


def _weights(terms: list[str]) -> dict[str, tuple[float, float]]:
    """term → (inverse document frequency, share of the items holding it)."""
    postgres = connection.vendor == "postgresql"
    if time.monotonic() - _counted.get("at", -COUNTS_KEPT_S) >= COUNTS_KEPT_S:
        _counted.clear()
    with connection.cursor() as cursor:
        if not _counted:
            cursor.execute("SELECT count(*) FROM fieldwork_serviceitem WHERE is_active")
            _counted.update(at=time.monotonic(), total=cursor.fetchone()[0], terms={})
        counts = _counted["terms"]
        for term in terms:
            if term not in counts:
                if postgres:
                    cursor.execute(
                        "SELECT count(*) FROM fieldwork_serviceitem WHERE is_active "
                        "AND search_vector @@ to_tsquery('simple', %s)",
                        [_term(term, postgres=True)],
                    )
                else:
                    cursor.execute(
                        f"SELECT count(*) FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s",  # nosec B608
                        [_term(term, postgres=False)],
                    )
                counts[term] = cursor.fetchone()[0]
    total = max(_counted["total"], 1)
    return {t: (math.log((total + 1) / (counts[t] + 0.5)), counts[t] / total) for t in terms}


def _term(word: str, *, postgres: bool) -> str:
    """One term of a full-text query. A group's word is indexed whole; other words match as the
    beginning of an indexed word (能报 → 能报销)."""
    exact = word in synonyms()
    if postgres:
        return word if exact else f"{word}:*"
    return f'"{word}"' if exact else f'"{word}"*'


def _run(
    terms, *, weights, every: bool, line_id=None, title_only: bool = False
) -> list[tuple[int, str, bool]]:
    """(id, " " + title words, matched every term) of the best CANDIDATES matches in database order."""
    postgres = connection.vendor == "postgresql"
    parts = [_term(w, postgres=postgres) for w in terms]
    in_line = " AND i.line_id = %s" if line_id else ""
    if postgres:
        # Matched on the title's vector or the whole one; ranked by the title's, which is small (the
        # whole vector of thousands of rows takes longer to read than the search may).
        # ts_rank knows nothing of how rare a word is, so the terms' weights order the candidates first,
        # as the re-ranking will.
        tsquery = (" & " if every else " | ").join(parts)
        vector = "search_title_vector" if title_only else "search_vector"
        in_title = " + ".join(
            "CASE WHEN i.search_title_vector @@ to_tsquery('simple', %s) THEN %s ELSE 0 END" for _ in parts
        )
        sql = f"""
            SELECT i.id, i.search_title FROM fieldwork_serviceitem i
            WHERE i.is_active AND i.{vector} @@ to_tsquery('simple', %s){in_line}
            ORDER BY {in_title} DESC, ts_rank(i.search_title_vector, to_tsquery('simple', %s)) DESC, i.code
            LIMIT {CANDIDATES}"""  # nosec B608
        params = [tsquery, *([line_id] if line_id else [])]
        for part, word in zip(parts, terms, strict=True):
            params += [part, weights[word]]
        params.append(tsquery)
    else:
        match = (" AND " if every else " OR ").join(parts)
        if title_only:
            match = f"search_title : ({match})"
        sql = f"""
            SELECT i.id, i.search_title FROM {FTS_TABLE} f JOIN fieldwork_serviceitem i ON i.id = f.rowid
            WHERE {FTS_TABLE} MATCH %s AND i.is_active{in_line}
            ORDER BY f.rank
            LIMIT {CANDIDATES}"""  # nosec B608
        params = [match, *([line_id] if line_id else [])]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(pk, f" {title}", every) for pk, title in cursor.fetchall()]


PG_VECTOR = "(setweight(to_tsvector('simple', search_title), 'A') || setweight(to_tsvector('simple', search_body), 'B'))"

SQLITE_INDEX = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(search_title, search_body, "
    "content='fieldwork_serviceitem', content_rowid='id', tokenize='unicode61')",
    # Title words weigh eight times body words in the rank.
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rank) VALUES ('rank', 'bm25(8.0, 1.0)')",  # nosec B608
    f"""CREATE TRIGGER IF NOT EXISTS fieldwork_item_fts_ai AFTER INSERT ON fieldwork_serviceitem BEGIN
        INSERT INTO {FTS_TABLE}(rowid, search_title, search_body) VALUES (new.id, new.search_title, new.search_body);
    END""",  # nosec B608
    f"""CREATE TRIGGER IF NOT EXISTS fieldwork_item_fts_ad AFTER DELETE ON fieldwork_serviceitem BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_title, search_body)
        VALUES ('delete', old.id, old.search_title, old.search_body);
    END""",  # nosec B608
    f"""CREATE TRIGGER IF NOT EXISTS fieldwork_item_fts_au AFTER UPDATE ON fieldwork_serviceitem BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_title, search_body)
        VALUES ('delete', old.id, old.search_title, old.search_body);
        INSERT INTO {FTS_TABLE}(rowid, search_title, search_body) VALUES (new.id, new.search_title, new.search_body);
    END""",  # nosec B608
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS fieldwork_item_fts_ai",
    "DROP TRIGGER IF EXISTS fieldwork_item_fts_ad",
    "DROP TRIGGER IF EXISTS fieldwork_item_fts_au",
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
]
PG_TITLE_VECTOR = "to_tsvector('simple', search_title)"
PG_INDEX = [
    "DROP INDEX IF EXISTS fieldwork_item_search",  # the expression index of earlier versions
    f"ALTER TABLE fieldwork_serviceitem ADD COLUMN IF NOT EXISTS search_vector tsvector "
    f"GENERATED ALWAYS AS {PG_VECTOR} STORED",
    "CREATE INDEX IF NOT EXISTS fieldwork_item_search_vector ON fieldwork_serviceitem USING gin (search_vector)",
    # The title alone, small enough to rank thousands of rows by.
    f"ALTER TABLE fieldwork_serviceitem ADD COLUMN IF NOT EXISTS search_title_vector tsvector "
    f"GENERATED ALWAYS AS ({PG_TITLE_VECTOR}) STORED",
    "CREATE INDEX IF NOT EXISTS fieldwork_item_search_title_vector ON fieldwork_serviceitem "
    "USING gin (search_title_vector)",
]
PG_DROP = [
    "DROP INDEX IF EXISTS fieldwork_item_search_vector",
    "DROP INDEX IF EXISTS fieldwork_item_search_title_vector",
    "ALTER TABLE fieldwork_serviceitem DROP COLUMN IF EXISTS search_vector",
    "ALTER TABLE fieldwork_serviceitem DROP COLUMN IF EXISTS search_title_vector",
]


def create_index(apps, schema_editor) -> None:
    statements = PG_INDEX if schema_editor.connection.vendor == "postgresql" else SQLITE_INDEX
    for statement in statements:
        schema_editor.execute(statement)


def drop_index(apps, schema_editor) -> None:
    statements = PG_DROP if schema_editor.connection.vendor == "postgresql" else SQLITE_DROP
    for statement in statements:
        schema_editor.execute(statement)
