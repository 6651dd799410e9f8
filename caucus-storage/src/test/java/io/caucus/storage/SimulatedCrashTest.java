package io.caucus.storage;

import io.caucus.core.HardState;
import io.caucus.core.InMemoryLog;
import io.caucus.core.LogEntry;
import io.caucus.core.NodeId;
import io.caucus.core.Persist;
import io.caucus.core.SnapshotMetadata;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

import static io.caucus.storage.Fixtures.ROOT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Crashes the simulated disk at random I/O calls (mid-batch, mid-rollover, mid-snapshot, mid-compaction),
 * reopens, and checks that the recovered store is exactly the state after some prefix of the records written:
 * never behind the last durable ticket, never a state that was not written (a torn record served as valid).
 */
class SimulatedCrashTest {

    /** Seeds run by default; more with -Dcaucus.storage.simSeeds=N, one with -Dcaucus.storage.seed=S. */
    private static final int SEEDS = Integer.getInteger("caucus.storage.simSeeds", 200);
    private static final StorageOptions OPTIONS = Fixtures.SMALL;

    /** A state the store may legally come back in: the log and hard state after some prefix of the writes. */
    private record Candidate(InMemoryLog log, HardState hardState) {
    }

    @Test
    void recoversAStateAtOrAfterTheLastDurableTicket() {
        Integer only = Integer.getInteger("caucus.storage.seed");
        for (int seed = only == null ? 0 : only; seed < (only == null ? SEEDS : only + 1); seed++) {
            try {
                runSeed(seed);
            } catch (AssertionError | RuntimeException failure) {
                throw new AssertionError("seed " + seed + " failed (rerun with that seed): " + failure, failure);
            }
        }
    }

    private void runSeed(int seed) {
        Random random = new Random(seed);
        SimulatedDisk disk = Fixtures.disk();
        DurableLog log = Fixtures.open(disk, ROOT, OPTIONS).log();
        InMemoryLog model = Fixtures.model();
        HardState state = HardState.INITIAL;
        SnapshotMetadata snapshot = model.snapshot();
        for (int round = 0; round < 3; round++) {
            Round outcome = new Round(log, model, state, snapshot, random);
            disk.failAfter(20 + random.nextInt(200));
            outcome.runUntilFailure();
            disk.crash(random);
            DurableLog.Opened opened = Fixtures.open(disk, ROOT, OPTIONS);
            Candidate match = outcome.match(opened);
            log = opened.log();
            model = match.log();
            state = match.hardState();
            snapshot = opened.snapshot();
            Fixtures.assertSameLog(log, model);
        }
    }

    /** One stretch of random writes until the injected failure, remembering every state it passed through. */
    private static final class Round {
        private final DurableLog log;
        private final Random random;
        /** Index = ticket: the state after that write, then the states of that write torn part way. */
        private final List<List<Candidate>> byTicket = new ArrayList<>();
        private final List<Candidate> pendingPartials = new ArrayList<>();
        private final List<SnapshotMetadata> possibleSnapshots = new ArrayList<>();
        private InMemoryLog model;
        private HardState state;
        private long durable;
        private long term;

        Round(DurableLog log, InMemoryLog model, HardState state, SnapshotMetadata snapshot, Random random) {
            this.log = log;
            this.model = model;
            this.state = state;
            this.random = random;
            this.term = Math.max(1, Math.max(state.term(), model.term(model.lastIndex())));
            possibleSnapshots.add(snapshot);
            byTicket.add(List.of(new Candidate(model.copy(), state)));
        }

        void runUntilFailure() {
            try {
                for (int step = 0; step < 10_000; step++) {
                    step();
                }
                fail("the injected failure never came");
            } catch (StorageFailedException expected) {
                // the disk is "unplugged"; what follows is the crash
            }
        }

        private void step() {
            int choice = random.nextInt(100);
            long lowestWritable = Math.max(state.commitIndex() + 1, model.firstIndex());
            if (choice < 55) {
                long first = random.nextInt(5) == 0
                        ? lowestWritable + random.nextInt((int) (model.lastIndex() + 2 - lowestWritable))
                        : model.lastIndex() + 1;
                term += random.nextInt(6) == 0 ? 1 : 0;
                List<LogEntry> entries = Fixtures.batch(term, first, 1 + random.nextInt(12), 300, random);
                HardState next = random.nextBoolean() ? null : new HardState(term,
                        random.nextBoolean() ? null : NodeId.of("n1"),
                        state.commitIndex() + random.nextInt((int) (first - state.commitIndex())));
                write(entries, next);
            } else if (choice < 75) {
                durable = Math.max(durable, log.sync());
            } else if (choice < 82) {
                long from = lowestWritable + random.nextInt((int) (model.lastIndex() + 2 - lowestWritable));
                InMemoryLog after = model.copy();
                after.truncateSuffix(from);
                expect(after, state, () -> log.truncateSuffix(from));
            } else if (choice < 92 && state.commitIndex() >= model.firstIndex()) {
                long index = model.firstIndex() + random.nextInt((int) (state.commitIndex() - model.firstIndex() + 1));
                compact(new SnapshotMetadata(index, model.term(index), Fixtures.CONFIGURATION));
            } else if (choice >= 97) {
                term++;
                compact(new SnapshotMetadata(model.lastIndex() + 1 + random.nextInt(3), term, Fixtures.CONFIGURATION));
            }
        }

        private void write(List<LogEntry> entries, HardState next) {
            long first = entries.get(0).index();
            for (int kept = 1; kept < entries.size(); kept++) {
                InMemoryLog partial = model.copy();
                partial.append(entries.subList(0, kept));
                pendingPartials.add(new Candidate(partial, state));
            }
            InMemoryLog full = model.copy();
            full.append(entries);
            if (next != null) {
                pendingPartials.add(new Candidate(full.copy(), state));
            }
            expect(full, next == null ? state : next, () -> log.write(new Persist(first, next, entries)));
        }

        private void compact(SnapshotMetadata snapshot) {
            possibleSnapshots.add(snapshot);
            Fixtures.commitSnapshot(log, snapshot.lastIncludedIndex(), snapshot.lastIncludedTerm(), 200, random);
            InMemoryLog after = model.copy();
            after.installSnapshot(snapshot);
            expect(after, state, () -> log.installSnapshot(snapshot));
        }

        /** Records the state the operation leads to before running it: it may reach disk even if it throws. */
        private void expect(InMemoryLog after, HardState stateAfter, Runnable operation) {
            List<Candidate> candidates = new ArrayList<>();
            candidates.add(new Candidate(after, stateAfter));
            candidates.addAll(pendingPartials);
            pendingPartials.clear();
            byTicket.add(candidates);
            operation.run();
            model = after;
            state = stateAfter;
        }

        Candidate match(DurableLog.Opened opened) {
            List<Candidate> all = new ArrayList<>(byTicket.get((int) durable).subList(0, 1));
            for (List<Candidate> later : byTicket.subList((int) durable + 1, byTicket.size())) {
                all.addAll(later);
            }
            SnapshotMetadata recoveredSnapshot = opened.snapshot();
            assertThat(possibleSnapshots).as("recovered snapshot").anyMatch(s ->
                    s.lastIncludedIndex() == recoveredSnapshot.lastIncludedIndex()
                            && s.lastIncludedTerm() == recoveredSnapshot.lastIncludedTerm());
            DurableLog recovered = opened.log();
            List<LogEntry> recoveredEntries = recovered.entries(recovered.firstIndex(), recovered.lastIndex() + 1,
                    Long.MAX_VALUE);
            for (Candidate candidate : all) {
                InMemoryLog expected = candidate.log().copy();
                if (recoveredSnapshot.lastIncludedIndex() > expected.snapshot().lastIncludedIndex()) {
                    expected.installSnapshot(recoveredSnapshot);
                }
                boolean same = candidate.hardState().equals(opened.hardState())
                        && expected.firstIndex() == recovered.firstIndex()
                        && expected.lastIndex() == recovered.lastIndex()
                        && expected.term(expected.firstIndex() - 1) == recovered.term(recovered.firstIndex() - 1)
                        && expected.entries(expected.firstIndex(), expected.lastIndex() + 1, Long.MAX_VALUE)
                                .equals(recoveredEntries);
                if (same) {
                    return new Candidate(expected, candidate.hardState());
                }
            }
            throw new AssertionError("recovered log " + opened.log().firstIndex() + ".." + opened.log().lastIndex()
                    + " with " + opened.hardState() + " matches no state at or after durable ticket " + durable
                    + " (" + all.size() + " states considered)");
        }
    }
}
