package io.caucus.sim;

import io.caucus.core.NodeId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * Injects faults into a simulation at random moments: partitions of every classic shape, crashes of single
 * nodes, of the leader, of a majority and of the whole cluster, restarts and heals. Every choice comes from
 * the simulation's random generator, so a seed fixes the whole fault schedule.
 */
public final class Nemesis {

    /**
     * The nodes faults pick from: a simulation's own nodes, or in a multi-group run whose groups are not on every
     * process, the processes ({@link MultiGroupSimulation#processes()}).
     */
    interface Targets {
        /** Every node that may be crashed, restarted or partitioned, up or down. */
        List<NodeId> nodeIds();

        List<NodeId> upNodes();

        boolean isUp(NodeId id);

        /** The node a leader's crash or isolation picks, if any. */
        Optional<NodeId> leader();

        static Targets of(Simulation sim) {
            return new Targets() {
                @Override
                public List<NodeId> nodeIds() {
                    return sim.nodeIds();
                }

                @Override
                public List<NodeId> upNodes() {
                    return sim.upNodes();
                }

                @Override
                public boolean isUp(NodeId id) {
                    return sim.isUp(id);
                }

                @Override
                public Optional<NodeId> leader() {
                    return sim.leader();
                }
            };
        }
    }

    private final Simulation sim;
    private final Targets targets;
    private final Random random;
    private final long minGapTicks;
    private final long maxGapTicks;
    private boolean running;
    /** The network profile to restore when a storm ends; null while calm. */
    private NetworkProfile calm;
    private long faults;

    public Nemesis(Simulation sim, long minGapTicks, long maxGapTicks) {
        this(sim, Targets.of(sim), minGapTicks, maxGapTicks);
    }

    /** Faults scheduled, traced and applied through {@code sim}, on the nodes {@code targets} lists. */
    Nemesis(Simulation sim, Targets targets, long minGapTicks, long maxGapTicks) {
        this.sim = sim;
        this.targets = targets;
        this.random = sim.random();
        this.minGapTicks = minGapTicks;
        this.maxGapTicks = maxGapTicks;
    }

    public long faultsInjected() {
        return faults;
    }

    public void start() {
        running = true;
        scheduleNext();
    }

    /** No more faults; what is broken stays broken until {@link #repairAll()}. */
    public void stop() {
        running = false;
    }

    /** Heals the network and restarts every crashed node. */
    public void repairAll() {
        sim.partitions().heal();
        if (calm != null) {
            sim.setNetwork(calm);
            calm = null;
        }
        for (NodeId id : targets.nodeIds()) {
            if (!targets.isUp(id)) {
                sim.restart(id);
            }
        }
    }

    private void scheduleNext() {
        long gap = minGapTicks + random.nextLong(maxGapTicks - minGapTicks + 1);
        sim.schedule(gap * sim.config().tickMicros(), () -> {
            if (running) {
                injectOne();
                scheduleNext();
            }
        });
    }

    private void injectOne() {
        faults++;
        int roll = random.nextInt(100);
        if (roll < 15) {
            sim.partitions().heal();
        } else if (roll < 45) {
            sim.partitions().heal();
            partitionRandomShape();
        } else if (roll < 60) {
            crashThenMaybeRestart(pickUp());
        } else if (roll < 70) {
            crashThenMaybeRestart(targets.leader());
        } else if (roll < 85) {
            restartOneDown();
        } else if (roll < 92) {
            crashMajority();
        } else if (roll < 96) {
            restartWholeCluster();
        } else {
            stormOrCalm();
        }
    }

    /** A burst of heavy loss and duplication on top of the seed's profile, or the end of one. */
    private void stormOrCalm() {
        if (calm == null) {
            calm = sim.network();
            sim.setNetwork(calm.withLoss(Math.max(calm.lossProbability(), 0.3))
                    .withDuplication(Math.max(calm.duplicateProbability(), 0.2))
                    .withReordering(Math.max(calm.reorderProbability(), 0.3)));
        } else {
            sim.setNetwork(calm);
            calm = null;
        }
    }

    private void partitionRandomShape() {
        List<NodeId> nodes = shuffledNodes();
        int n = nodes.size();
        int shape = random.nextInt(7);
        switch (shape) {
            case 0 -> sim.partitions().isolate(nodes.get(0));
            case 1 -> sim.partitions().isolate(targets.leader().orElse(nodes.get(0)));
            case 2 -> {
                int minority = 1 + random.nextInt(Math.max(1, (n - 1) / 2));
                sim.partitions().partition(nodes.subList(0, minority), nodes.subList(minority, n));
            }
            case 3 -> {
                int links = 1 + random.nextInt(n);
                for (int i = 0; i < links; i++) {
                    sim.partitions().blockOneWay(nodes.get(random.nextInt(n)), nodes.get(random.nextInt(n)));
                }
            }
            case 4 -> {
                NodeId leader = targets.leader().orElse(nodes.get(0));
                for (NodeId other : nodes) {
                    if (!other.equals(leader)) {
                        sim.partitions().blockOneWay(leader, other); // the leader hears everyone, nobody hears it
                    }
                }
            }
            case 5 -> sim.partitions().ring(nodes);
            default -> {
                int half = (n - 1) / 2;
                sim.partitions().bridge(nodes.subList(0, half), nodes.get(half), nodes.subList(half + 1, n));
            }
        }
    }

    private void crashThenMaybeRestart(Optional<NodeId> victim) {
        if (victim.isEmpty() || !targets.isUp(victim.get())) {
            return;
        }
        NodeId id = victim.get();
        sim.crash(id);
        if (random.nextInt(10) < 7) {
            restartLater(id);
        }
    }

    private void restartLater(NodeId id) {
        long delayTicks = 1 + random.nextLong(3L * sim.config().options().electionTimeoutTicks());
        sim.schedule(delayTicks * sim.config().tickMicros(), () -> {
            if (!targets.isUp(id) && targets.nodeIds().contains(id)) { // a retired node stays down
                sim.restart(id);
            }
        });
    }

    private void restartOneDown() {
        List<NodeId> down = new ArrayList<>();
        for (NodeId id : targets.nodeIds()) {
            if (!targets.isUp(id)) {
                down.add(id);
            }
        }
        if (!down.isEmpty()) {
            sim.restart(down.get(random.nextInt(down.size())));
        }
    }

    private void crashMajority() {
        List<NodeId> up = new ArrayList<>(targets.upNodes());
        int majority = targets.nodeIds().size() / 2 + 1;
        for (int i = 0; i < majority && !up.isEmpty(); i++) {
            NodeId victim = up.remove(random.nextInt(up.size()));
            sim.crash(victim);
            restartLater(victim);
        }
    }

    private void restartWholeCluster() {
        for (NodeId id : targets.upNodes()) {
            sim.crash(id);
        }
        for (NodeId id : targets.nodeIds()) {
            restartLater(id);
        }
    }

    private Optional<NodeId> pickUp() {
        List<NodeId> up = targets.upNodes();
        return up.isEmpty() ? Optional.empty() : Optional.of(up.get(random.nextInt(up.size())));
    }

    private List<NodeId> shuffledNodes() {
        List<NodeId> nodes = new ArrayList<>(targets.nodeIds());
        for (int i = nodes.size() - 1; i > 0; i--) {
            java.util.Collections.swap(nodes, i, random.nextInt(i + 1));
        }
        return nodes;
    }
}
