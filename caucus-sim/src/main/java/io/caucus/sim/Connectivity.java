package io.caucus.sim;

import io.caucus.core.NodeId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Who can send to whom: a directed relation over the nodes, so that one-way failures can be expressed.
 * Every node always reaches itself. The shapes here are the classic partitions of Raft testing.
 */
public final class Connectivity {

    private final List<NodeId> nodes;
    private boolean[][] blocked;

    Connectivity(List<NodeId> nodes) {
        this.nodes = new ArrayList<>(nodes);
        this.blocked = new boolean[nodes.size()][nodes.size()];
    }

    /** A node joining the simulation: it reaches everyone and everyone reaches it, until a fault says otherwise. */
    void add(NodeId node) {
        if (nodes.contains(node)) {
            throw new IllegalArgumentException(node + " is already known");
        }
        nodes.add(node);
        boolean[][] grown = new boolean[nodes.size()][nodes.size()];
        for (int i = 0; i < blocked.length; i++) {
            System.arraycopy(blocked[i], 0, grown[i], 0, blocked[i].length);
        }
        blocked = grown;
    }

    public boolean canSend(NodeId from, NodeId to) {
        return !blocked[index(from)][index(to)];
    }

    /** Restores every link. */
    public void heal() {
        for (boolean[] row : blocked) {
            java.util.Arrays.fill(row, false);
        }
    }

    public boolean isHealed() {
        for (boolean[] row : blocked) {
            for (boolean b : row) {
                if (b) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Cuts the one-way link {@code from -> to}. */
    public void blockOneWay(NodeId from, NodeId to) {
        if (!from.equals(to)) {
            blocked[index(from)][index(to)] = true;
        }
    }

    public void block(NodeId a, NodeId b) {
        blockOneWay(a, b);
        blockOneWay(b, a);
    }

    /** Cuts {@code node} off from everyone, both ways. */
    public void isolate(NodeId node) {
        for (NodeId other : nodes) {
            block(node, other);
        }
    }

    /**
     * Splits the nodes into groups that talk only among themselves; nodes named in no group form one more
     * group of their own.
     */
    public void partition(Collection<? extends Collection<NodeId>> groups) {
        List<Set<NodeId>> all = new ArrayList<>();
        Set<NodeId> rest = new TreeSet<>(nodes);
        for (Collection<NodeId> group : groups) {
            Set<NodeId> members = new TreeSet<>(group);
            for (NodeId member : members) {
                index(member);
            }
            rest.removeAll(members);
            all.add(members);
        }
        if (!rest.isEmpty()) {
            all.add(rest);
        }
        for (int i = 0; i < all.size(); i++) {
            for (int j = 0; j < all.size(); j++) {
                if (i != j) {
                    for (NodeId a : all.get(i)) {
                        for (NodeId b : all.get(j)) {
                            blockOneWay(a, b);
                        }
                    }
                }
            }
        }
    }

    /**
     * Each node reaches only its neighbours on a ring (in the given order): every node sees a majority of
     * three in a five-node cluster, but no two non-adjacent nodes talk.
     */
    public void ring(List<NodeId> order) {
        int n = order.size();
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                int distance = Math.floorMod(i - j, n);
                if (distance > 1 && distance < n - 1) {
                    blockOneWay(order.get(i), order.get(j));
                }
            }
        }
    }

    /** Two halves that cannot talk to each other, joined by {@code bridge} who talks to both. */
    public void bridge(Collection<NodeId> left, NodeId bridge, Collection<NodeId> right) {
        for (NodeId a : left) {
            for (NodeId b : right) {
                if (!a.equals(bridge) && !b.equals(bridge)) {
                    block(a, b);
                }
            }
        }
    }

    @Override
    public String toString() {
        if (isHealed()) {
            return "healed";
        }
        StringBuilder out = new StringBuilder("cut");
        for (int i = 0; i < nodes.size(); i++) {
            for (int j = 0; j < nodes.size(); j++) {
                if (blocked[i][j]) {
                    out.append(' ').append(nodes.get(i)).append("->").append(nodes.get(j));
                }
            }
        }
        return out.toString();
    }

    private int index(NodeId node) {
        int i = nodes.indexOf(node);
        if (i < 0) {
            throw new IllegalArgumentException("unknown node " + node + "; cluster is " + nodes);
        }
        return i;
    }
}
