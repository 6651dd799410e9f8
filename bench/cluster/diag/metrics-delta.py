# metrics-delta.py BEFORE AFTER WRITES : the growth of a node's runtime counters (/metrics) per write
import sys
def read(path):
    values = {}
    for line in open(path):
        if line.startswith('#') or ' ' not in line: continue
        name, _, value = line.rstrip().rpartition(' ')
        if name.endswith('_total') and name.startswith(('caucus_node', 'caucus_proposals', 'caucus_log', 'caucus_apply', 'caucus_peer_messages_sent', 'caucus_peer_flushes', 'caucus_peer_messages_received')):
            values[name] = float(value)
    return values
a, b, writes = read(sys.argv[1]), read(sys.argv[2]), float(sys.argv[3])
print(' '.join('%s=%.3f' % (k.replace('caucus_', '').replace('_total', ''), (b[k] - a.get(k, 0)) / writes) for k in b))
