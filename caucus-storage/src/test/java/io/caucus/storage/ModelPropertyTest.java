package io.caucus.storage;

import io.caucus.core.HardState;
import io.caucus.core.InMemoryLog;
import io.caucus.core.LogEntry;
import io.caucus.core.NodeId;
import io.caucus.core.Persist;
import io.caucus.core.SnapshotMetadata;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import static io.caucus.storage.Fixtures.ROOT;
import static org.assertj.core.api.Assertions.assertThat;

/** Random operation sequences against {@link InMemoryLog} as the model, reopening the store along the way. */
class ModelPropertyTest {

    enum Kind { APPEND, TRUNCATE, HARD_STATE, COMPACT, INSTALL_BEYOND, SYNC, REOPEN }

    record Op(Kind kind, int a, int b) {
    }

    @Provide
    Arbitrary<List<Op>> operations() {
        Arbitrary<Op> op = Combinators.combine(
                Arbitraries.of(Kind.class),
                Arbitraries.integers().between(0, 1000),
                Arbitraries.integers().between(0, 1000)).as(Op::new);
        Arbitrary<Op> weighted = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, op.filter(o -> o.kind() == Kind.APPEND)),
                net.jqwik.api.Tuple.of(4, op));
        return weighted.list().ofMinSize(1).ofMaxSize(60);
    }

    @Property(tries = 150)
    void theStoreBehavesLikeTheModel(@ForAll("operations") List<Op> operations,
                                     @ForAll boolean smallCache) {
        StorageOptions options = Fixtures.SMALL.withCacheBytes(smallCache ? 0 : 1 << 20);
        SimulatedDisk disk = Fixtures.disk();
        DurableLog log = Fixtures.open(disk, ROOT, options).log();
        InMemoryLog model = Fixtures.model();
        HardState state = HardState.INITIAL;
        long term = 1;
        Random random = new Random(operations.size());
        long sequence = 0;
        for (Op op : operations) {
            long commit = state.commitIndex();
            long lowestWritable = Math.max(commit + 1, model.firstIndex());
            switch (op.kind()) {
                case APPEND -> {
                    long first = lowestWritable + op.a() % (model.lastIndex() + 2 - lowestWritable);
                    term += op.a() % 4 == 0 ? 1 : 0;
                    List<LogEntry> entries = Fixtures.batch(term, first, 1 + op.b() % 8, 400, random);
                    log.write(new Persist(sequence++, null, entries));
                    model.append(entries);
                }
                case TRUNCATE -> {
                    long from = lowestWritable + op.a() % (model.lastIndex() + 2 - lowestWritable);
                    log.truncateSuffix(from);
                    model.truncateSuffix(from);
                }
                case HARD_STATE -> {
                    long newCommit = commit + op.a() % (model.lastIndex() - commit + 1);
                    state = new HardState(term, op.b() % 2 == 0 ? null : NodeId.of("n" + op.b() % 5), newCommit);
                    log.writeHardState(state);
                }
                case COMPACT -> {
                    if (commit >= model.firstIndex()) {
                        long index = model.firstIndex() + op.a() % (commit - model.firstIndex() + 1);
                        compact(log, model, new SnapshotMetadata(index, model.term(index), Fixtures.CONFIGURATION),
                                random);
                    }
                }
                case INSTALL_BEYOND -> {
                    term++;
                    long index = model.lastIndex() + 1 + op.a() % 5;
                    compact(log, model, new SnapshotMetadata(index, term, Fixtures.CONFIGURATION), random);
                }
                case SYNC -> assertThat(log.sync()).isEqualTo(log.writtenTicket());
                case REOPEN -> {
                    log.close();
                    DurableLog.Opened opened = Fixtures.open(disk, ROOT, options);
                    log = opened.log();
                    assertThat(opened.hardState()).isEqualTo(state);
                    assertThat(opened.report().isClean()).isTrue();
                }
            }
            Fixtures.assertSameLog(log, model);
            assertThat(log.hardState()).isEqualTo(state);
        }
    }

    private static void compact(DurableLog log, InMemoryLog model, SnapshotMetadata snapshot, Random random) {
        Fixtures.commitSnapshot(log, snapshot.lastIncludedIndex(), snapshot.lastIncludedTerm(), 50, random);
        log.installSnapshot(snapshot);
        model.installSnapshot(snapshot);
    }
}
