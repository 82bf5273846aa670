"""Chinese full-text search of the policy library.

Words come from jieba (search mode) with a domain dictionary; each indexed title word brings its
synonyms (失业保险金 → 失业金 …) and the title's single characters, so a colloquial question
("失业金怎么领") finds the formal title ("失业保险金申领"). Queries drop question words and match
every remaining term as a prefix, any synonym counting; when that finds too little, items matching
some of the terms follow. SQLite uses an FTS5 table kept in step by triggers; PostgreSQL a GIN index
on a weighted tsvector expression.
"""

import logging
import re
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
# Kept when they are the whole query (someone searching just "办理" or "手续" still gets results).
WEAK = frozenset({"办理", "手续"})
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


def index_text(title: str, body: str) -> tuple[str, str]:
    """What the index stores for an item: title words with synonyms and characters, body words."""
    title_words = words(title)
    expanded = dict.fromkeys(title_words)
    for word in title_words:
        expanded.update(dict.fromkeys(synonyms().get(word, ())))
    expanded.update(dict.fromkeys(CJK.findall(title)))
    body_words = dict.fromkeys(words(body))
    for word in list(body_words):
        body_words.update(dict.fromkeys(synonyms().get(word, ())))
    return " ".join(expanded), " ".join(body_words)


def query_terms(query: str) -> list[tuple[str, ...]]:
    """The query as terms, each a tuple of alternatives (the word and its synonyms)."""
    found = words(query)
    stop = [w for w in found if w in STOPWORDS]
    # Pieces of a question word are question words too (没有 inside 有没有).
    meaningful = [w for w in found if w not in STOPWORDS and not any(w in s for s in stop)]
    if not meaningful:
        meaningful = [w for w in found if w in WEAK]
    # A word whose longer form is also in the query adds nothing (失业 inside 失业金).
    meaningful = [w for w in meaningful if not any(w != o and w in o for o in meaningful)]
    return [synonyms().get(w, (w,)) for w in meaningful[:8]]


# Candidates read per pass; they are re-ranked here so both databases order results alike.
CANDIDATES = 100


def search_ids(query: str, *, limit: int = 20) -> list[int]:
    """Ids of active items, best first: items matching every term before those matching some; within
    each, items whose title holds more of the terms first; then the database's relevance order."""
    terms = query_terms(query)
    if not terms:
        return []
    rows = _run(terms, every=True, limit=CANDIDATES)
    if len(rows) < limit and len(terms) > 1:
        seen = {row[0] for row in rows}
        rows += [row for row in _run(terms, every=False, limit=CANDIDATES) if row[0] not in seen]

    def key(pair):
        position, (_pk, title, matched_all) = pair
        in_title = sum(any(f" {w}" in title for w in alternatives) for alternatives in terms)
        return (not matched_all, -in_title, position)

    return [row[0] for _position, row in sorted(enumerate(rows), key=key)[:limit]]


def _run(terms, *, every: bool, limit: int) -> list[tuple[int, str, bool]]:
    """(id, " " + title words, matched every term) of the best `limit` matches in database order."""
    if connection.vendor == "postgresql":
        joiner = " & " if every else " | "
        tsquery = joiner.join(
            "(" + " | ".join(f"{w}:*" for w in alternatives) + ")" for alternatives in terms
        )
        sql = f"""
            SELECT id, search_title FROM fieldwork_serviceitem
            WHERE is_active AND {PG_VECTOR} @@ to_tsquery('simple', %s)
            ORDER BY ts_rank({PG_VECTOR}, to_tsquery('simple', %s)) DESC, code
            LIMIT %s"""
        params = [tsquery, tsquery, limit]
    else:
        joiner = " AND " if every else " OR "
        match = joiner.join(
            "(" + " OR ".join(f'"{w}"*' for w in alternatives) + ")" for alternatives in terms
        )
        sql = f"""
            SELECT i.id, i.search_title FROM {FTS_TABLE} f JOIN fieldwork_serviceitem i ON i.id = f.rowid
            WHERE {FTS_TABLE} MATCH %s AND i.is_active
            ORDER BY bm25({FTS_TABLE}, 8.0, 1.0), i.code
            LIMIT %s"""
        params = [match, limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(pk, f" {title}", every) for pk, title in cursor.fetchall()]


PG_VECTOR = "(setweight(to_tsvector('simple', search_title), 'A') || setweight(to_tsvector('simple', search_body), 'B'))"

SQLITE_INDEX = [
    f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(search_title, search_body, "
    "content='fieldwork_serviceitem', content_rowid='id', tokenize='unicode61')",
    f"""CREATE TRIGGER fieldwork_item_fts_ai AFTER INSERT ON fieldwork_serviceitem BEGIN
        INSERT INTO {FTS_TABLE}(rowid, search_title, search_body) VALUES (new.id, new.search_title, new.search_body);
    END""",
    f"""CREATE TRIGGER fieldwork_item_fts_ad AFTER DELETE ON fieldwork_serviceitem BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_title, search_body)
        VALUES ('delete', old.id, old.search_title, old.search_body);
    END""",
    f"""CREATE TRIGGER fieldwork_item_fts_au AFTER UPDATE ON fieldwork_serviceitem BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_title, search_body)
        VALUES ('delete', old.id, old.search_title, old.search_body);
        INSERT INTO {FTS_TABLE}(rowid, search_title, search_body) VALUES (new.id, new.search_title, new.search_body);
    END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS fieldwork_item_fts_ai",
    "DROP TRIGGER IF EXISTS fieldwork_item_fts_ad",
    "DROP TRIGGER IF EXISTS fieldwork_item_fts_au",
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
]
PG_INDEX = [f"CREATE INDEX fieldwork_item_search ON fieldwork_serviceitem USING gin ({PG_VECTOR})"]
PG_DROP = ["DROP INDEX IF EXISTS fieldwork_item_search"]


def create_index(apps, schema_editor) -> None:
    statements = PG_INDEX if schema_editor.connection.vendor == "postgresql" else SQLITE_INDEX
    for statement in statements:
        schema_editor.execute(statement)


def drop_index(apps, schema_editor) -> None:
    statements = PG_DROP if schema_editor.connection.vendor == "postgresql" else SQLITE_DROP
    for statement in statements:
        schema_editor.execute(statement)
