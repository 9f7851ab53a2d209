#!/usr/bin/env python3
# Which tables and indexes the last commits in a SQLite WAL wrote: reads the frames of the WAL
# (the file format of https://sqlite.org/fileformat2.html#walformat), groups them by commit, and
# names each page's b-tree from the dbstat table of a copy of the database. Run it on a copy of a
# database and its -wal taken while the writer was busy (a running server's WAL, or one left by a
# SIGKILL), so that the WAL holds commits of one kind of action.
# Usage: bench/wal_pages.py COPY.db [LAST_COMMITS]   (COPY.db-wal beside it; default 500)
import collections, sqlite3, struct, sys

db = sys.argv[1]
last_n = int(sys.argv[2]) if len(sys.argv) > 2 else 500
with open(db + "-wal", "rb") as f:
    magic, version, page_size, ckpt_seq, salt1, salt2, _, _ = struct.unpack(">8I", f.read(32))
    commits, cur = [], []
    while True:
        header = f.read(24)
        if len(header) < 24:
            break
        page, db_size, s1, s2, _, _ = struct.unpack(">6I", header)
        if (s1, s2) != (salt1, salt2):  # a frame of an earlier generation of the log
            break
        f.seek(page_size, 1)
        cur.append(page)
        if db_size:  # the commit's last frame
            commits.append(cur)
            cur = []
print("page size %d, %d commits in the WAL" % (page_size, len(commits)))
# reading the copy recovers its WAL (and checkpoints it when closed): the owners as of the last
# commit
con = sqlite3.connect(db)
owner = {page: name for name, page in con.execute("SELECT name, pageno FROM dbstat")}
con.close()
last = commits[-last_n:]
if not last:
    sys.exit("no commit in the WAL")
pages = collections.Counter()
frames = 0
for c in last:
    frames += len(c)
    for page in set(c):
        pages[owner.get(page, "(free)")] += 1
print("the last %d commits: %.1f frames and %.1f distinct pages a commit"
      % (len(last), frames / len(last), sum(pages.values()) / len(last)))
for name, n in pages.most_common():
    print("  %-36s %6.2f pages a commit" % (name, n / len(last)))
