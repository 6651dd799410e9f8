package io.caucus.sim;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.ConfigurationChange;
import io.caucus.core.NodeId;
import io.caucus.server.internal.NodeProbe;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

/**
 * Membership changes and leadership transfers at random moments, alongside the clients and the nemesis: grow
 * (a new node joins as a learner and is promoted), shrink, replace a node, remove the leader, and hand
 * leadership to another voter. Each change is a plan of steps proposed to whoever leads, retried until the
 * configuration in force shows it done; a removed node keeps running for a while, proving it cannot disrupt
 * the cluster, and is then retired. Every choice comes from the simulation's random generator.
 */
public final class MembershipWorkload {

    private static final int MIN_VOTERS = 3;
    private static final int MAX_VOTERS = 7;
    private static final int MAX_RUNNING_NODES = 9;
    /** Attempts (one per step of the workload) before a plan is given up, leaving what it did in place. */
    private static final int ATTEMPTS_PER_STEP = 30;

    /** What the workload did, for totals. */
    public record Totals(long plansStarted, long stepsCompleted, long nodesAdded, long nodesRetired,
                        long transfersAccepted, long transfersCompleted) {
    }

    private final Simulation sim;
    private final Random random;
    private final long minGapTicks;
    private final long maxGapTicks;
    private final Deque<ConfigurationChange> plan = new ArrayDeque<>();
    /** Nodes started whose AddLearner is still to come: outside the configuration, but not removed. */
    private final Set<NodeId> joining = new HashSet<>();
    /** Nodes seen outside the committed configuration, and since when (ticks). */
    private final Map<NodeId, Long> outsideSince = new LinkedHashMap<>();
    private int attemptsLeft;
    private int nextNodeNumber;
    private boolean running;
    private NodeId transferTarget;
    private long transferTerm;
    private long plansStarted;
    private long stepsCompleted;
    private long nodesAdded;
    private long nodesRetired;
    private long transfersAccepted;
    private long transfersCompleted;

    public MembershipWorkload(Simulation sim, long minGapTicks, long maxGapTicks) {
        this.sim = sim;
        this.random = sim.random();
        this.minGapTicks = minGapTicks;
        this.maxGapTicks = maxGapTicks;
        this.nextNodeNumber = sim.nodeIds().size() + 1;
    }

    public void start() {
        running = true;
        scheduleNext();
    }

    public void stop() {
        running = false;
    }

    public Totals totals() {
        return new Totals(plansStarted, stepsCompleted, nodesAdded, nodesRetired, transfersAccepted,
                transfersCompleted);
    }

    /**
     * After the faults: waits until the configuration in force at the leader is committed and not joint (the
     * leader finishes a change by itself, §6), then retires every node outside it. Fails the run if that takes
     * longer than {@code maxTicks}.
     */
    public void settle(long maxTicks) {
        boolean settled = sim.runUntil(() -> sim.leader().map(this::hasSettledConfiguration).orElse(false), maxTicks);
        if (!settled) {
            sim.fail("Liveness: configuration change completes", "no leader with a committed, non-joint "
                    + "configuration within " + maxTicks + " ticks; leaders " + sim.leaders() + ", configuration "
                    + sim.currentConfiguration());
        }
        ClusterConfiguration configuration = sim.currentConfiguration();
        for (NodeId id : sim.nodeIds()) {
            if (!configuration.isMember(id)) {
                retire(id);
            }
        }
        sim.note("-", "membership", "settled at " + configuration + "; " + totals());
    }

    private boolean hasSettledConfiguration(NodeId leader) {
        NodeProbe raft = sim.node(leader).core();
        ClusterConfiguration current = raft.coreStatus().configuration();
        return !current.isJoint() && current.equals(raft.configurationAt(raft.coreStatus().commitIndex()));
    }

    private void scheduleNext() {
        long gap = minGapTicks + random.nextLong(maxGapTicks - minGapTicks + 1);
        sim.schedule(gap * sim.config().tickMicros(), () -> {
            if (running) {
                step();
                scheduleNext();
            }
        });
    }

    private void step() {
        Optional<NodeId> leader = sim.leader();
        noteTransferOutcome(leader);
        if (leader.isEmpty()) {
            return;
        }
        retireRemoved(leader.get());
        if (!plan.isEmpty()) {
            advancePlan(leader.get());
        } else {
            startSomething(leader.get());
        }
    }

    private void advancePlan(NodeId leader) {
        ClusterConfiguration configuration = sim.status(leader).configuration();
        ConfigurationChange next = plan.peekFirst();
        if (isDone(next, configuration)) {
            plan.pollFirst();
            stepsCompleted++;
            if (next instanceof ConfigurationChange.AddLearner add) {
                joining.remove(add.node());
            }
            attemptsLeft = ATTEMPTS_PER_STEP;
            return;
        }
        if (--attemptsLeft <= 0) {
            sim.note("-", "membership", "gave up on " + plan);
            for (ConfigurationChange change : plan) {
                if (change instanceof ConfigurationChange.AddLearner add) {
                    joining.remove(add.node()); // it will be retired as a node outside the configuration
                }
            }
            plan.clear();
            return;
        }
        // Refusals (a change in progress, a learner behind, a transfer, a lost leadership) are retried later.
        sim.requestConfigurationChange(leader, next);
    }

    private static boolean isDone(ConfigurationChange change, ClusterConfiguration configuration) {
        return switch (change) {
            case ConfigurationChange.AddLearner add -> configuration.isMember(add.node());
            case ConfigurationChange.PromoteLearner promote ->
                    !configuration.isJoint() && configuration.voters().contains(promote.node());
            case ConfigurationChange.RemoveMember remove ->
                    !configuration.isJoint() && !configuration.isMember(remove.node());
            case ConfigurationChange.ChangeAddresses move ->
                    move.addresses().equals(configuration.addresses().get(move.node()));
        };
    }

    private void startSomething(NodeId leader) {
        ClusterConfiguration configuration = sim.status(leader).configuration();
        if (configuration.isJoint()) {
            return;
        }
        List<NodeId> voters = new ArrayList<>(configuration.voters());
        int voterCount = voters.size();
        boolean roomForNode = sim.nodeIds().size() < MAX_RUNNING_NODES;
        int roll = random.nextInt(100);
        if (roll < 25 && voterCount < MAX_VOTERS && roomForNode) {
            NodeId added = addNode();
            startPlan(new ConfigurationChange.AddLearner(added), new ConfigurationChange.PromoteLearner(added));
        } else if (roll < 45 && roomForNode) {
            NodeId added = addNode();
            NodeId replaced = voters.get(random.nextInt(voterCount));
            startPlan(new ConfigurationChange.AddLearner(added), new ConfigurationChange.PromoteLearner(added),
                    new ConfigurationChange.RemoveMember(replaced));
        } else if (roll < 60 && voterCount > MIN_VOTERS) {
            startPlan(new ConfigurationChange.RemoveMember(voters.get(random.nextInt(voterCount))));
        } else if (roll < 70 && voterCount > MIN_VOTERS) {
            startPlan(new ConfigurationChange.RemoveMember(leader));
        } else if (roll < 75 && !configuration.learners().isEmpty()) {
            List<NodeId> learners = new ArrayList<>(configuration.learners());
            startPlan(new ConfigurationChange.RemoveMember(learners.get(random.nextInt(learners.size()))));
        } else {
            transfer(leader, voters);
        }
    }

    private NodeId addNode() {
        NodeId id;
        do {
            id = NodeId.of("n" + nextNodeNumber++);
        } while (sim.nodeIdsEverAdded().contains(id));
        sim.addNode(id);
        joining.add(id);
        nodesAdded++;
        return id;
    }

    private void startPlan(ConfigurationChange... steps) {
        plan.addAll(List.of(steps));
        plansStarted++;
        attemptsLeft = ATTEMPTS_PER_STEP;
        sim.note("-", "membership", "plan " + plan);
    }

    private void transfer(NodeId leader, List<NodeId> voters) {
        voters.remove(leader);
        if (voters.isEmpty()) {
            return;
        }
        NodeId target = voters.get(random.nextInt(voters.size()));
        // The runtime answers once the target leads (or the transfer failed): count what it reports done.
        sim.requestTransfer(leader, target).thenRun(() -> transfersAccepted++);
        transferTarget = target;
        transferTerm = sim.status(leader).term();
    }

    /** A transfer completed if its target led a later term by the next step of the workload. */
    private void noteTransferOutcome(Optional<NodeId> leader) {
        if (transferTarget != null && leader.isPresent() && leader.get().equals(transferTarget)
                && sim.status(leader.get()).term() > transferTerm) {
            transfersCompleted++;
        }
        transferTarget = null;
    }

    /**
     * Retires nodes outside the committed configuration once they have run outside it for a while: long enough
     * to campaign, with a stale configuration, against the cluster (thesis §4.2.3).
     */
    private void retireRemoved(NodeId leader) {
        NodeProbe raft = sim.node(leader).core();
        ClusterConfiguration committed = raft.configurationAt(raft.coreStatus().commitIndex());
        ClusterConfiguration current = raft.coreStatus().configuration();
        long graceTicks = 5L * sim.config().options().electionTimeoutTicks();
        for (NodeId id : sim.nodeIds()) {
            if (committed.isMember(id) || current.isMember(id) || joining.contains(id)) {
                outsideSince.remove(id);
            } else {
                long since = outsideSince.computeIfAbsent(id, key -> sim.nowTicks());
                if (sim.nowTicks() - since >= graceTicks) {
                    retire(id);
                }
            }
        }
    }

    private void retire(NodeId id) {
        outsideSince.remove(id);
        sim.retire(id);
        nodesRetired++;
    }
}
