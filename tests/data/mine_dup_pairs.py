#!/usr/bin/env python3
"""Mines candidate message pairs for the duplicate/repeat labelled set (tests/data/dup_pairs.csv).

Reads ../shared/data/tipdm2020c/messages_with_votes.csv and prints candidate pairs, one a line,
tab-separated: id_a id_b source sim same_user title_a | title_b | text_a[:N] | text_b[:N].
The candidates are only proposals: every label in dup_pairs.csv was decided by a person reading
both messages (see tests/data/README.md). Deterministic (fixed seed), standard library only.

Sources:
  near_text   pairs whose IDF-weighted char-bigram cosine (title + text) is >= 0.25 (all of
              them below 0.8; a random 100 of the near-copies at or above 0.8)
  same_user   pairs written by the same user id with cosine < 0.25 (sampled)
  same_place  pairs that share a rare place name (X小区/X花园/X路/X学校 ...) with cosine < 0.25 (sampled)
  random      random pairs (sampled)
  same_problem  pairs by different users whose titles share a problem keyword (噪音, 油烟, 拆迁 ...)
              with cosine in [0.08, 0.25) (sampled): mostly the same problem in another place

With --hard PAIRS (the existing dup_pairs.csv), proposes instead the second round of hard
candidates, none of them already in PAIRS (seeds 7 and 11):
  SP  two titles naming the same estate/school (X小区/苑/学校 ..., 4+ characters), cosine < 0.2
      (45): the same place, often another problem
  PO  cosine >= 0.35 while the estates named in title + first 80 characters differ (all of them)
  SU  same user (at most 8 messages), cosine in [0.1, 0.35) (22): the same person, maybe
      another matter

Usage: mine_dup_pairs.py [--messages PATH] [--snippet N] [--hard PAIRS] > candidates.tsv
"""
import argparse, collections, csv, math, random, re, sys

PLACE_RE = re.compile(
    r'[\u4e00-\u9fff]{2,6}?(?:小区|花园|家园|新城|公寓|苑|广场|小学|中学|学院|学校|医院|公园|'
    r'大道|路|街|村|社区|镇|街道|大厦|商城|驾校)')


def norm(s):
    return re.sub(r'[^\u4e00-\u9fffA-Za-z0-9]', '', s)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--messages', default='../../../shared/data/tipdm2020c/messages_with_votes.csv')
    ap.add_argument('--snippet', type=int, default=70)
    ap.add_argument('--seed', type=int, default=2020)
    ap.add_argument('--n-user', type=int, default=100)
    ap.add_argument('--n-place', type=int, default=120)
    ap.add_argument('--n-random', type=int, default=40)
    ap.add_argument('--n-problem', type=int, default=60)
    ap.add_argument('--n-random2', type=int, default=40, help='random pairs drawn after same_problem')
    ap.add_argument('--min-sim', type=float, default=0.25)
    ap.add_argument('--n-high', type=int, default=100, help='near_text pairs kept with cosine >= 0.8')
    ap.add_argument('--hard', metavar='PAIRS', help='second round: hard candidates not in PAIRS')
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    rows = list(csv.DictReader(open(a.messages, encoding='utf-8-sig')))
    n = len(rows)
    bigrams = []
    for r in rows:
        t = norm(r['title'] + r['text'])
        bigrams.append(set(t[i:i + 2] for i in range(len(t) - 1)))
    df = collections.Counter(b for d in bigrams for b in d)
    idf = {b: math.log(n / c) for b, c in df.items()}
    norms = [math.sqrt(sum(idf[b] ** 2 for b in d)) or 1.0 for d in bigrams]

    def sim(i, j):
        return sum(idf[b] ** 2 for b in bigrams[i] & bigrams[j]) / (norms[i] * norms[j])

    if a.hard:
        hard(a, rows, bigrams, df, idf, norms, sim)
        return

    # near_text: inverted index over bigrams in at most 60 messages
    inv = collections.defaultdict(list)
    for i, d in enumerate(bigrams):
        for b in d:
            if df[b] <= 60:
                inv[b].append(i)
    acc = collections.defaultdict(float)
    for b, l in inv.items():
        w = idf[b] ** 2
        for x in range(len(l)):
            for y in range(x + 1, len(l)):
                acc[(l[x], l[y])] += w
    out = {}
    high = []
    for (i, j), v in sorted(acc.items()):
        if v / (norms[i] * norms[j]) >= a.min_sim * 0.8 and sim(i, j) >= a.min_sim:
            if sim(i, j) >= 0.8:
                high.append((i, j))
            else:
                out[(i, j)] = 'near_text'
    # near-copies are plentiful and easy: keep a sample of them
    rnd.shuffle(high)
    for ij in high[:a.n_high]:
        out[ij] = 'near_text'

    by_user = collections.defaultdict(list)
    for i, r in enumerate(rows):
        by_user[r['user']].append(i)
    up = [(i, j) for l in by_user.values() for x, i in enumerate(l) for j in l[x + 1:]
          if (i, j) not in out and sim(i, j) < a.min_sim]
    rnd.shuffle(up)
    # at most 6 pairs per user, so one prolific user does not fill the sample
    per = collections.Counter()
    k = 0
    for i, j in up:
        u = rows[i]['user']
        if per[u] >= 6:
            continue
        per[u] += 1
        out[(i, j)] = 'same_user'
        k += 1
        if k >= a.n_user:
            break

    places = collections.defaultdict(set)
    for i, r in enumerate(rows):
        for m in PLACE_RE.findall(norm(r['title'] + r['text'])):
            places[m].add(i)
    pp = set()
    for p, s in places.items():
        if 2 <= len(s) <= 25:
            l = sorted(s)
            for x, i in enumerate(l):
                for j in l[x + 1:]:
                    if (i, j) not in out and sim(i, j) < a.min_sim:
                        pp.add((i, j))
    pp = sorted(pp)
    rnd.shuffle(pp)
    for ij in pp[:a.n_place]:
        out[ij] = 'same_place'

    k = 0
    while k < a.n_random:
        i, j = sorted(rnd.sample(range(n), 2))
        if (i, j) not in out:
            out[(i, j)] = 'random'
            k += 1

    # same_problem: the same kind of problem (a keyword in both titles) by different users, with
    # cosine between 0.08 and min_sim: hard negatives when the places differ
    kws = ['噪音', '扰民', '油烟', '停车', '拆迁', '幼儿园', '违建', '施工', '公交', '车位', '停水',
           '物业', '学区', '路灯', '渣土车', '麻将', '群租', '退款', '拖欠', '烂尾']
    sp = []
    for kw in kws:
        l = [i for i, r in enumerate(rows) if kw in r['title']]
        for x, i in enumerate(l):
            for j in l[x + 1:]:
                if (i, j) not in out and rows[i]['user'] != rows[j]['user'] and \
                        0.08 <= sim(i, j) < a.min_sim:
                    sp.append((i, j))
    sp = sorted(set(sp))
    rnd.shuffle(sp)
    for ij in sp[:a.n_problem]:
        out[ij] = 'same_problem'
    k = 0
    while k < a.n_random2:
        i, j = sorted(rnd.sample(range(n), 2))
        if (i, j) not in out:
            out[(i, j)] = 'random'
            k += 1

    w = sys.stdout
    for (i, j), src in sorted(out.items(), key=lambda kv: (kv[1], -sim(*kv[0]))):
        ra, rb = rows[i], rows[j]
        s = a.snippet
        w.write('\t'.join([ra['id'], rb['id'], src, '%.2f' % sim(i, j),
                           'U' if ra['user'] == rb['user'] else '-',
                           ra['title'].replace('\t', ' '), rb['title'].replace('\t', ' '),
                           norm(ra['text'])[:s], norm(rb['text'])[:s]]) + '\n')


ESTATE_RE = re.compile(r'([\u4e00-\u9fff]{2,5}?(?:小区|花园|家园|新城|公寓|苑|学校|学院|小学|中学|幼儿园))')


def hard(a, rows, bigrams, df, idf, norms, sim):
    """The second round of hard candidates (see the module comment)."""
    have = set()
    for r in csv.DictReader(open(a.hard, encoding='utf-8')):
        have.add((r['id_a'], r['id_b']))
        have.add((r['id_b'], r['id_a']))
    n = len(rows)
    new = lambda i, j: (rows[i]['id'], rows[j]['id']) not in have
    out = []
    rnd = random.Random(7)
    places = collections.defaultdict(set)
    for i, r in enumerate(rows):
        for m in set(ESTATE_RE.findall(norm(r['title']))):
            if len(m) >= 4:
                places[m].add(i)
    sp = []
    for p, s in places.items():
        if 2 <= len(s) <= 15:
            l = sorted(s)
            for x, i in enumerate(l):
                for j in l[x + 1:]:
                    if new(i, j) and sim(i, j) < 0.2:
                        sp.append((i, j))
    rnd.shuffle(sp)
    out += [('SP', i, j) for i, j in sp[:45]]
    inv = collections.defaultdict(list)
    for i, d in enumerate(bigrams):
        for b in d:
            if df[b] <= 40:
                inv[b].append(i)
    acc = collections.Counter()
    for b, l in inv.items():
        for x in range(len(l)):
            for y in range(x + 1, len(l)):
                acc[(l[x], l[y])] += idf[b] ** 2
    po = []
    for (i, j), v in acc.items():
        if v / (norms[i] * norms[j]) >= 0.3:
            pi = set(ESTATE_RE.findall(norm(rows[i]['title'] + rows[i]['text'][:80])))
            pj = set(ESTATE_RE.findall(norm(rows[j]['title'] + rows[j]['text'][:80])))
            if pi and pj and not (pi & pj) and new(i, j) and sim(i, j) >= 0.35:
                po.append((i, j))
    rnd.shuffle(po)
    out += [('PO', i, j) for i, j in po[:45]]
    by_user = collections.defaultdict(list)
    for i, r in enumerate(rows):
        by_user[r['user']].append(i)
    su = [(i, j) for l in by_user.values() if len(l) <= 8 for x, i in enumerate(l) for j in l[x + 1:]
          if new(i, j) and 0.1 <= sim(i, j) < 0.35]
    rnd = random.Random(11)
    rnd.shuffle(su)
    out += [('SU', i, j) for i, j in su[:22]]
    for src, i, j in out:
        ra, rb = rows[i], rows[j]
        sys.stdout.write('\t'.join([src, ra['id'], rb['id'], '%.2f' % sim(i, j),
                                    'U' if ra['user'] == rb['user'] else '-', ra['title'],
                                    rb['title'], norm(ra['text'])[:a.snippet],
                                    norm(rb['text'])[:a.snippet]]) + '\n')


if __name__ == '__main__':
    main()
