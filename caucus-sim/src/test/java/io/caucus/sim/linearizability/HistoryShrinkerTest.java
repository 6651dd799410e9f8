package io.caucus.sim.linearizability;

import static io.caucus.sim.linearizability.Ops.append;
import static io.caucus.sim.linearizability.Ops.get;
import static io.caucus.sim.linearizability.Ops.put;
import static io.caucus.sim.linearizability.Ops.putFailed;
import static io.caucus.sim.linearizability.Ops.putUnknown;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HistoryShrinkerTest {

    private static final long BUDGET = 1_000_000;

    /** A long linearizable history on keys k and other, one client at a time, starting at {@code from}. */
    private static List<Operation> noise(long from, int count) {
        List<Operation> ops = new ArrayList<>();
        long t = from;
        for (int i = 0; i < count; i++) {
            String value = "n" + i;
            ops.add(put(1, "k", value, t, t + 1));
            ops.add(get(2, "k", value, t + 2, t + 3));
            ops.add(put(3, "other", value, t, t + 3));
            t += 4;
        }
        return ops;
    }

    @Test
    void aStaleReadInALongHistoryShrinksToTheThreeOperationsThatShowIt() {
        List<Operation> history = new ArrayList<>(noise(0, 50));
        Operation old = put(1, "k", "a", 1000, 1001);
        Operation newer = put(1, "k", "b", 1002, 1003);
        Operation stale = get(2, "k", "a", 1004, 1005);
        history.addAll(List.of(old, newer, stale));
        history.addAll(noise(2000, 50));
        assertThat(HistoryShrinker.smallestFailingWindow(history, BUDGET)).containsExactly(old, newer, stale);
    }

    @Test
    void aLostWriteKeepsTheReadsCauseRatherThanOrphaningIt() {
        Operation base = put(1, "k", "a", 0, 1);
        Operation acknowledged = put(2, "k", "b", 2, 3);
        Operation unknown = putUnknown(3, "k", "c", 2);
        Operation failed = putFailed(3, "k", "d", 4, 5);
        Operation lateRead = get(4, "k", "a", 10, 11);
        List<Operation> window = HistoryShrinker.smallestFailingWindow(
                List.of(base, acknowledged, unknown, failed, lateRead, get(4, "k", "a", 12, 13)), BUDGET);
        // "a" must keep its writer: without it the window would fail for another reason (a value from nowhere).
        assertThat(window).contains(base, acknowledged).doesNotContain(unknown, failed).hasSize(3);
        assertThat(LinearizabilityChecker.check(window).verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void aDuplicatedAppendKeepsEveryAppendTheReadShows() {
        Operation first = append(1, "k", "x;", 0, 1);
        Operation second = append(2, "k", "y;", 2, 3);
        Operation read = get(3, "k", "x;y;x;", 4, 5);
        List<Operation> window = HistoryShrinker.smallestFailingWindow(
                List.of(put(9, "k", "", -5, -4), first, second, read), BUDGET);
        assertThat(window).contains(first, second, read);
    }

    @Test
    void aLinearizableHistoryHasNoFailingWindow() {
        assertThat(HistoryShrinker.smallestFailingWindow(noise(0, 20), BUDGET)).isEmpty();
    }
}
