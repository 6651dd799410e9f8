package io.caucus.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class BackoffTest {

    @Property
    void delayStaysWithinTheUpperHalfOfTheCappedStep(@ForAll @IntRange(min = 1, max = 200) int failures,
                                                      @ForAll @DoubleRange(min = 0, max = 1, maxIncluded = false)
                                                      double random) {
        long delay = Backoff.delayMillis(failures, 50, 5_000, random);
        long step = Math.min(5_000, 50L << Math.min(failures - 1, 30));
        assertThat(delay).isBetween(step / 2, step);
    }

    @Test
    void stepsDoubleUntilTheCap() {
        assertThat(Backoff.delayMillis(1, 100, 1_000, 0.999999)).isEqualTo(99);
        assertThat(Backoff.delayMillis(2, 100, 1_000, 0.999999)).isEqualTo(199);
        assertThat(Backoff.delayMillis(3, 100, 1_000, 0.0)).isEqualTo(200);
        assertThat(Backoff.delayMillis(10, 100, 1_000, 0.0)).isEqualTo(500);
        assertThat(Backoff.delayMillis(Integer.MAX_VALUE, 100, 1_000, 0.0)).isEqualTo(500);
    }

    @Test
    void hugeInitialDelayDoesNotOverflow() {
        assertThat(Backoff.delayMillis(40, Long.MAX_VALUE / 4, Long.MAX_VALUE, 0.0)).isPositive();
    }

    @Test
    void zeroFailuresIsAnError() {
        assertThatThrownBy(() -> Backoff.delayMillis(0, 1, 2, 0.5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("failures");
    }
}
