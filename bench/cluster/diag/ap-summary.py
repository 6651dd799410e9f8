# ap-summary.py FILE.collapsed [WRITES] : CPU samples of one async-profiler run (collapsed stacks, one
import signal; signal.signal(signal.SIGPIPE, signal.SIG_DFL)
# frame list per thread as recorded with the "threads" option) by thread group, by leaf frame, and by
# frames that appear anywhere on the stack ("inclusive"), as shares of all samples (1 ms each).
import sys, re, collections
samples = collections.Counter(); leaf = collections.Counter(); incl = collections.Counter(); total = 0
for line in open(sys.argv[1]):
    stack, _, n = line.rstrip('\n').rpartition(' ')
    n = int(n); frames = stack.split(';'); total += n
    thread = re.sub(r' tid=\d+', '', frames[0].strip('[]')); thread = re.sub(r'[-#]?\d+$', '', thread); thread = re.sub(r'-n\d.*', '', thread)
    samples[thread] += n; leaf[frames[-1]] += n
    for f in set(frames[1:]): incl[f] += n
writes = float(sys.argv[2]) if len(sys.argv) > 2 else 0
def show(title, c, k):
    print(title)
    for name, n in c.most_common(k):
        per = "  %6.1f us/write" % (n * 1000.0 / writes) if writes else ""
        print("  %5.1f%%%s  %s" % (100.0 * n / total, per, name[:150]))
print("samples %d (%.1f s of CPU)" % (total, total / 1000.0))
show("by thread", samples, 15); show("leaf frames", leaf, 40); show("inclusive", incl, 60)
