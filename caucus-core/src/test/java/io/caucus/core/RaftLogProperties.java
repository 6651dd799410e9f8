package io.caucus.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * The node's log is split between the durable store and an unstable tail, with persistence acknowledged
 * late and out of step with further appends and truncations. Whatever the interleaving, the node's view must
 * equal a plain list that applies the same appends and truncations at once.
 */
class RaftLogProperties {

    private static final ClusterConfiguration CONFIGURATION = ClusterConfiguration.ofVoters("n1");

    @Property(tries = 300)
    void viewMatchesAPlainListWhateverThePersistenceTiming(@ForAll long seed) {
        Random random = new Random(seed);
        InMemoryLog durable = new InMemoryLog(CONFIGURATION);
        RaftLog log = new RaftLog(durable, 0, 0);
        List<LogEntry> model = new ArrayList<>();
        List<Persist> handedOut = new ArrayList<>();
        long term = 1;
        long sequence = 0;
        for (int step = 0; step < 200; step++) {
            switch (random.nextInt(5)) {
                case 0, 1 -> {
                    long first = 1 + random.nextInt(model.size() + 1);
                    first = Math.max(first, log.committed() + 1);
                    if (first > model.size() + 1) {
                        continue;
                    }
                    // A given (index, term) names one entry (Log Matching, §5.3): replacing entries takes a new term.
                    boolean replaces = first <= model.size();
                    term += replaces || random.nextInt(3) == 0 ? 1 : 0;
                    List<LogEntry> entries = new ArrayList<>();
                    for (int i = 0; i < 1 + random.nextInt(4); i++) {
                        entries.add(LogEntry.command(term, first + i, new byte[] {(byte) step}));
                    }
                    log.append(entries);
                    model.subList((int) first - 1, model.size()).clear();
                    model.addAll(entries);
                }
                case 2 -> {
                    List<LogEntry> entries = log.takeUnpersisted();
                    if (!entries.isEmpty()) {
                        handedOut.add(new Persist(++sequence, null, entries));
                    }
                }
                case 3 -> {
                    if (!handedOut.isEmpty()) {
                        Persist persist = handedOut.remove(0); // durable in order, as the runtime guarantees
                        durable.append(persist.entries());
                        log.stableTo(persist.lastIndex(), persist.entries().get(persist.entries().size() - 1).term());
                    }
                }
                default -> {
                    if (!model.isEmpty()) {
                        log.commitTo(Math.max(log.committed(), Math.min(log.durableLastIndex(),
                                1 + random.nextInt(model.size()))));
                    }
                }
            }
            assertSameAs(log, model);
            assertThat(log.durableLastIndex()).isLessThanOrEqualTo(durable.lastIndex());
            for (long i = 1; i <= log.durableLastIndex(); i++) {
                assertThat(durable.get(i)).isEqualTo(model.get((int) i - 1));
            }
        }
    }

    @Property(tries = 50)
    void committedEntriesAreNeverTruncated(@ForAll long seed) {
        Random random = new Random(seed);
        InMemoryLog durable = new InMemoryLog(CONFIGURATION);
        RaftLog log = new RaftLog(durable, 0, 0);
        int length = 2 + random.nextInt(10);
        List<LogEntry> entries = new ArrayList<>();
        for (int i = 1; i <= length; i++) {
            entries.add(LogEntry.command(1, i, new byte[0]));
        }
        log.append(entries);
        long commit = 1 + random.nextInt(length);
        log.commitTo(commit);
        long at = 1 + random.nextInt((int) commit);
        assertThatThrownBy(() -> log.append(List.of(LogEntry.command(2, at, new byte[0]))))
                .isInstanceOf(InvariantViolation.class);
    }

    private static void assertSameAs(RaftLog log, List<LogEntry> model) {
        assertThat(log.lastIndex()).isEqualTo(model.size());
        if (!model.isEmpty()) {
            assertThat(log.entries(1, model.size() + 1, Long.MAX_VALUE)).as("log view").containsExactlyElementsOf(model);
            for (LogEntry entry : model) {
                assertThat(log.term(entry.index())).isEqualTo(entry.term());
            }
        }
        assertThat(log.term(0)).isZero();
    }
}
