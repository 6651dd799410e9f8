package io.caucus.sim;

import io.caucus.core.LogEntry;
import io.caucus.core.LogView;
import io.caucus.core.NodeId;
import io.caucus.core.SnapshotMetadata;
import io.caucus.sim.kv.KvReplica;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Requests a scenario makes of one node through its runtime's public API ({@code submit}, {@code takeSnapshot}),
 * run only as long as it takes to see what became of them: a proposal until it lands in the node's log or is
 * refused, not until it commits, so that a scenario can look at a leader that holds entries nobody else has.
 */
final class ScriptedRequests {

    /** A turn of the node, plus the proposal linger, is far less: a proposal not seen by then went nowhere. */
    private static final long LAND_TICKS = 5;
    private static final long SNAPSHOT_TICKS = 100;

    private final Simulation sim;

    ScriptedRequests(Simulation sim) {
        this.sim = sim;
    }

    Proposal propose(NodeId at, List<byte[]> commands) {
        SimNode node = sim.node(at);
        long before = node.core().log().lastIndex();
        List<CompletableFuture<byte[]>> answers = commands.stream().map(command -> node.runtime().submit(command))
                .toList();
        CompletableFuture<byte[]> first = answers.get(0);
        long[] landed = new long[2];
        sim.runUntil(() -> first.isCompletedExceptionally() || find(node, commands.get(0), before, landed), LAND_TICKS);
        Proposal proposal = landed[0] > 0 ? Proposal.landed(landed[0], landed[1])
                : Proposal.refused(first.isCompletedExceptionally() ? causeOf(first)
                : new IllegalStateException("the proposal did not reach " + at + "'s log within " + LAND_TICKS
                        + " ticks"));
        sim.trace.record(sim.events.now(), at, "propose", commands.size() + " cmd(s) -> " + proposal);
        return proposal;
    }

    /**
     * Whether {@code command} (with the node's stamp on it) is in {@code node}'s log after {@code after}; if so its
     * index and term go to {@code where}.
     */
    private static boolean find(SimNode node, byte[] command, long after, long[] where) {
        if (!node.isUp()) {
            return false;
        }
        LogView log = node.core().log();
        long from = Math.max(after + 1, log.firstIndex());
        if (from > log.lastIndex()) {
            return false;
        }
        for (LogEntry entry : log.entries(from, log.lastIndex() + 1, Long.MAX_VALUE)) {
            if (KvReplica.sameButStamp(entry.payload(), command)) {
                where[0] = entry.index();
                where[1] = entry.term();
                return true;
            }
        }
        return false;
    }

    /** Has {@code at}'s runtime snapshot its state machine now and compact its log (§7); fails the run if it cannot. */
    SnapshotMetadata compact(NodeId at) {
        CompletableFuture<SnapshotMetadata> taken = sim.node(at).runtime().takeSnapshot();
        if (!sim.runUntil(taken::isDone, SNAPSHOT_TICKS) || taken.isCompletedExceptionally()) {
            sim.fail("Snapshot", at + " took no snapshot within " + SNAPSHOT_TICKS + " ticks: "
                    + (taken.isDone() ? causeOf(taken) : "still running"));
        }
        SnapshotMetadata snapshot = taken.join();
        sim.trace.record(sim.events.now(), at, "snapshot", "requested, taken at " + snapshot.lastIncludedIndex());
        return snapshot;
    }

    private static Throwable causeOf(CompletableFuture<?> failed) {
        try {
            failed.join();
            throw new IllegalStateException("the future did not fail");
        } catch (CompletionException e) {
            return e.getCause();
        }
    }
}
