package io.caucus.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** How the schedule picks its faults: the node removal is placed once by the seed, never drawn. */
class FaultScheduleTest {

    private static final Set<FaultKind> WITH_REMOVE = EnumSet.of(FaultKind.KILL, FaultKind.PAUSE, FaultKind.PARTITION,
            FaultKind.MOVE, FaultKind.REPLICA, FaultKind.REMOVE);

    @Test
    void theRemovalIsNeverDrawnOnlyPlaced() {
        Random random = new Random(18401);
        Set<FaultKind> drawn = EnumSet.noneOf(FaultKind.class);
        for (int i = 0; i < 2000; i++) {
            drawn.add(Fault.next(random, WITH_REMOVE, 5, false).kind());
        }
        assertThat(drawn).containsExactlyInAnyOrder(FaultKind.KILL, FaultKind.PAUSE, FaultKind.PARTITION,
                FaultKind.MOVE, FaultKind.REPLICA);
        Set<Fault.Remove.Target> targets = EnumSet.noneOf(Fault.Remove.Target.class);
        for (int i = 0; i < 200; i++) {
            Fault due = Fault.next(random, WITH_REMOVE, 5, true);
            assertThat(due).isInstanceOf(Fault.Remove.class);
            targets.add(((Fault.Remove) due).target());
        }
        assertThat(targets).as("running nodes and nodes killed first").containsExactlyInAnyOrder(
                Fault.Remove.Target.values());
        assertThatThrownBy(() -> Fault.draw(random, EnumSet.of(FaultKind.REMOVE), 5))
                .hasMessageContaining("needs another kind beside it");
    }

    @Test
    void theRemovalIsOneOfTheFaultsOfTheFirstHalfButNotTheFirst() {
        Set<Integer> ordinals = new HashSet<>();
        for (long seed = 0; seed < 500; seed++) {
            int ordinal = Fault.removalOrdinal(new Random(seed), Duration.ofSeconds(180));
            assertThat(ordinal).as("seed %d", seed).isBetween(2, 10);
            assertThat(Fault.removalOrdinal(new Random(seed), Duration.ofSeconds(180))).as("the seed decides")
                    .isEqualTo(ordinal);
            ordinals.add(ordinal);
        }
        assertThat(ordinals).as("180 s: about 18 faults, the removal among the 2nd to the 10th")
                .containsExactlyInAnyOrder(2, 3, 4, 5, 6, 7, 8, 9, 10);
        assertThat(Fault.removalOrdinal(new Random(1), Duration.ofSeconds(20))).as("a short run: the second fault")
                .isEqualTo(2);
    }

    @Test
    void runsWithoutTheRemovalDrawAsBefore() {
        Random before = new Random(7);
        Random now = new Random(7);
        Set<FaultKind> kinds = EnumSet.of(FaultKind.KILL, FaultKind.PAUSE, FaultKind.PARTITION, FaultKind.REPLICA);
        for (int i = 0; i < 100; i++) {
            assertThat(Fault.next(now, kinds, 5, false)).isEqualTo(Fault.draw(before, kinds, 5));
        }
    }
}
