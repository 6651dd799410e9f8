package io.caucus.sim.linearizability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class OperationTest {

    private static Operation op(OpKind kind, String value, String expected, long invokedAt, long completedAt,
                                Outcome outcome, String result) {
        return new Operation(1, kind, "k", value, expected, invokedAt, completedAt, outcome, result);
    }

    @Test
    void acceptsEveryWellFormedKind() {
        assertThat(op(OpKind.GET, null, null, 0, 1, Outcome.OK, null).isWrite()).isFalse();
        assertThat(op(OpKind.PUT, "a", null, 0, 1, Outcome.OK, null).isWrite()).isTrue();
        assertThat(op(OpKind.DELETE, null, null, 0, 0, Outcome.OK, null).isWrite()).isTrue();
        assertThat(op(OpKind.APPEND, "a", null, 0, 1, Outcome.FAILED, null).isWrite()).isTrue();
        assertThat(op(OpKind.CAS, "b", null, 0, 1, Outcome.OK, "true").isWrite()).isTrue();
        assertThat(op(OpKind.CAS, "b", "a", 0, 1, Outcome.OK, "false").isWrite()).isFalse();
        assertThat(op(OpKind.CAS, "b", "a", 5, 1, Outcome.UNKNOWN, null).isWrite()).isTrue();
    }

    @Test
    void rejectsMissingFields() {
        assertThatThrownBy(() -> new Operation(1, null, "k", null, null, 0, 1, Outcome.OK, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("kind");
        assertThatThrownBy(() -> new Operation(1, OpKind.GET, null, null, null, 0, 1, Outcome.OK, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("key");
        assertThatThrownBy(() -> new Operation(1, OpKind.GET, "k", null, null, 0, 1, null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outcome");
    }

    @Test
    void rejectsValuesThatDoNotFitTheKind() {
        assertThatThrownBy(() -> op(OpKind.GET, "a", null, 0, 1, Outcome.OK, null))
                .hasMessageContaining("GET takes no value");
        assertThatThrownBy(() -> op(OpKind.PUT, null, null, 0, 1, Outcome.OK, null))
                .hasMessageContaining("PUT needs a non-null value");
        assertThatThrownBy(() -> op(OpKind.PUT, "a", "b", 0, 1, Outcome.OK, null))
                .hasMessageContaining("only CAS takes an expected value");
        assertThatThrownBy(() -> op(OpKind.CAS, "a", "b", 0, 1, Outcome.OK, "yes"))
                .hasMessageContaining("\"true\" or \"false\"");
        assertThatThrownBy(() -> op(OpKind.PUT, "a", null, 0, 1, Outcome.OK, "x"))
                .hasMessageContaining("OK PUT has no result");
        assertThatThrownBy(() -> op(OpKind.GET, null, null, 0, 1, Outcome.UNKNOWN, "a"))
                .hasMessageContaining("UNKNOWN operation has no result");
        assertThatThrownBy(() -> op(OpKind.GET, null, null, 0, 1, Outcome.FAILED, "a"))
                .hasMessageContaining("FAILED operation has no result");
    }

    @Test
    void rejectsCompletionBeforeInvocationUnlessUnknown() {
        assertThatThrownBy(() -> op(OpKind.PUT, "a", null, 5, 4, Outcome.OK, null))
                .hasMessageContaining("completedAt 4 is before invokedAt 5");
        assertThat(op(OpKind.PUT, "a", null, 5, 4, Outcome.UNKNOWN, null).outcome()).isEqualTo(Outcome.UNKNOWN);
    }

    @Test
    void printsCompactlyForWitnesses() {
        assertThat(op(OpKind.CAS, "b", null, 10, 14, Outcome.OK, "true"))
                .hasToString("c1 CAS k absent->\"b\" [10..14] OK true");
        assertThat(op(OpKind.GET, null, null, 3, 4, Outcome.OK, "x")).hasToString("c1 GET k [3..4] OK \"x\"");
        assertThat(op(OpKind.PUT, "v", null, 3, Long.MAX_VALUE, Outcome.UNKNOWN, null))
                .hasToString("c1 PUT k \"v\" [3..?] UNKNOWN");
    }
}
