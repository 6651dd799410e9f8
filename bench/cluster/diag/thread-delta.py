import sys, re, collections
a = {}; 
for l in open(sys.argv[1]):
    pid,tid,comm,t = l.rstrip('\n').split('|'); a[(pid,tid)] = int(t)
writes = float(sys.argv[3]); hz = 100.0
byg = collections.Counter(); bypid = collections.Counter()
names = {}
for l in open(sys.argv[2]):
    pid,tid,comm,t = l.rstrip('\n').split('|')
    d = int(t) - a.get((pid,tid), 0)
    g = re.sub(r'[-#]?\d+$', '', comm)
    g = re.sub(r'-n\d.*', '', g); g = re.sub(r'-\d+$', '', g)
    byg[g] += d; bypid[pid] += d
tot = sum(byg.values())
print("total us/write %.1f" % (tot/hz*1e6/writes))
for pid, d in bypid.items(): print(" pid", pid, "us/write %.1f" % (d/hz*1e6/writes))
for g, d in byg.most_common(25): print("  %-28s %7.1f us/write %5.1f%%" % (g, d/hz*1e6/writes, 100.0*d/max(tot,1)))
