#!/usr/bin/env python3
# Times the two SQL shapes of the PostgreSQL word search (before session 5: every match collected, then
# sorted; now: a probe of 2,000, then newest first) on a database made by bench_backends.
# Usage: bench/pg_search_shapes.py postgres://user@host:port/db
import subprocess, re, statistics, sys
U=sys.argv[1] if len(sys.argv) > 1 else "postgres://postgres@127.0.0.1:21620/jiesu"
common=["停车","噪音","物业","拆迁","漏水","路灯","垃圾","学校","工资","公交"]
rare=["鸵鸟","潜艇","火山","冰川","钢琴","骆驼","熊猫","灯塔","飞碟","琵琶"]
def cond(w):
    q="''%s''"%w
    return "(s.t @@ '%s'::tsquery OR s.b @@ '%s'::tsquery OR s.y @@ '%s'::tsquery OR s.n @@ '%s'::tsquery)"%(q,q,q,q)
def old(w):
    return ["SELECT o.id FROM orders o WHERE TRUE AND o.id IN (SELECT s.order_id FROM order_search s WHERE TRUE AND %s OFFSET 0) ORDER BY o.id DESC LIMIT 21;"%cond(w)]
def new(w):
    return ["SELECT s.order_id FROM order_search s WHERE TRUE AND %s LIMIT 2001;"%cond(w),
            "SELECT s.order_id FROM order_search s WHERE TRUE AND %s ORDER BY s.order_id DESC LIMIT 21;"%cond(w)]
def run(sqls):
    script="\\timing on\n"+"\n".join(sqls)+"\n"
    out=subprocess.run(["psql",U,"-At"],input=script,capture_output=True,text=True).stdout
    times=[float(x) for x in re.findall(r"Time: ([\d.]+) ms",out)]
    rows=[l for l in out.splitlines() if l and not l.startswith("Time")]
    return times, rows
res={}
for kind,words in (("common",common),("rare",rare)):
    for label,fn in (("old",old),("new",new)):
        ts=[]
        for rep in range(2):
            for w in words:
                sq=fn(w)
                if label=="new":
                    t,rows=run([sq[0]])
                    total=t[0]
                    if len(rows)>2000:
                        t2,_=run([sq[1]]); total+=t2[0]
                else:
                    t,rows=run(sq); total=t[0]
                if rep==1: ts.append(total)
        ts.sort()
        res[(kind,label)]=ts
        print(f"{kind:6} {label}: p50 {statistics.median(ts):8.1f} ms  max {ts[-1]:8.1f} ms  (10 words, warm, psql round trips included)", flush=True)
