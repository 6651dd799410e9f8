package io.caucus.chaos;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * The classic partition shapes, as sets of cut directed links. Pure: the nodes, the leader (null if none is
 * known) and a random source in, the links to cut out.
 */
enum PartitionShape {
    /** One random node can neither send nor receive. */
    ISOLATE_ONE,
    /** The leader can neither send nor receive: the majority elects a new leader while the old one may still
     * believe it leads (stale reads from it would be a bug). */
    ISOLATE_LEADER,
    /** A random minority (with or without the leader) against the majority. */
    MAJORITY_MINORITY,
    /** Each node hears only its two neighbours on a random ring (5 nodes; with 3 a ring is no partition). */
    RING,
    /** Two halves that cannot talk directly, and one bridge node that talks to both. */
    BRIDGE,
    /** The leader's messages are lost but it still hears everyone: followers elect a new leader. */
    LEADER_MUTE,
    /** The leader's messages arrive but nothing reaches it: it must step down on CheckQuorum. */
    LEADER_DEAF;

    static PartitionShape[] usableWith(int clusterSize) {
        return clusterSize >= 5 ? values()
                : java.util.Arrays.stream(values()).filter(shape -> shape != RING).toArray(PartitionShape[]::new);
    }

    /** The links to cut. {@code leader} may be null, in which case a random node stands in for it. */
    Set<Link> links(List<String> nodes, String leader, Random random) {
        List<String> shuffled = new ArrayList<>(nodes);
        Collections.shuffle(shuffled, random);
        String victim = leader != null ? leader : shuffled.get(0);
        return switch (this) {
            case ISOLATE_ONE -> isolate(nodes, shuffled.get(0));
            case ISOLATE_LEADER -> isolate(nodes, victim);
            case MAJORITY_MINORITY -> {
                int minority = 1 + random.nextInt((nodes.size() - 1) / 2);
                yield split(List.of(shuffled.subList(0, minority), shuffled.subList(minority, shuffled.size())));
            }
            case RING -> ring(shuffled);
            case BRIDGE -> {
                String bridge = shuffled.get(0);
                List<String> rest = shuffled.subList(1, shuffled.size());
                int half = rest.size() / 2;
                Set<Link> cut = new HashSet<>();
                for (String a : rest.subList(0, half)) {
                    for (String b : rest.subList(half, rest.size())) {
                        cut.add(new Link(a, b));
                        cut.add(new Link(b, a));
                    }
                }
                cut.removeIf(link -> link.from().equals(bridge) || link.to().equals(bridge));
                yield cut;
            }
            case LEADER_MUTE -> oneWay(nodes, victim, true);
            case LEADER_DEAF -> oneWay(nodes, victim, false);
        };
    }

    private static Set<Link> isolate(List<String> nodes, String node) {
        Set<Link> cut = new HashSet<>();
        for (String other : nodes) {
            if (!other.equals(node)) {
                cut.add(new Link(node, other));
                cut.add(new Link(other, node));
            }
        }
        return cut;
    }

    private static Set<Link> split(List<List<String>> groups) {
        Set<Link> cut = new HashSet<>();
        for (List<String> group : groups) {
            for (List<String> other : groups) {
                if (group != other) {
                    for (String a : group) {
                        for (String b : other) {
                            cut.add(new Link(a, b));
                        }
                    }
                }
            }
        }
        return cut;
    }

    private static Set<Link> ring(List<String> order) {
        Set<Link> cut = new HashSet<>();
        int n = order.size();
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                int distance = Math.floorMod(i - j, n);
                if (i != j && distance != 1 && distance != n - 1) {
                    cut.add(new Link(order.get(i), order.get(j)));
                }
            }
        }
        return cut;
    }

    private static Set<Link> oneWay(List<String> nodes, String node, boolean outgoing) {
        Set<Link> cut = new HashSet<>();
        for (String other : nodes) {
            if (!other.equals(node)) {
                cut.add(outgoing ? new Link(node, other) : new Link(other, node));
            }
        }
        return cut;
    }

    String label() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}
