package io.caucus.sim.linearizability;

/** Short factories for hand-written histories: {@code put(1, "k", "a", 0, 2)} etc. */
final class Ops {

    private Ops() {
    }

    static Operation get(int client, String key, String read, long invokedAt, long completedAt) {
        return new Operation(client, OpKind.GET, key, null, null, invokedAt, completedAt, Outcome.OK, read);
    }

    static Operation put(int client, String key, String value, long invokedAt, long completedAt) {
        return new Operation(client, OpKind.PUT, key, value, null, invokedAt, completedAt, Outcome.OK, null);
    }

    static Operation putUnknown(int client, String key, String value, long invokedAt) {
        return new Operation(client, OpKind.PUT, key, value, null, invokedAt, Long.MAX_VALUE, Outcome.UNKNOWN,
                null);
    }

    static Operation putFailed(int client, String key, String value, long invokedAt, long completedAt) {
        return new Operation(client, OpKind.PUT, key, value, null, invokedAt, completedAt, Outcome.FAILED, null);
    }

    static Operation delete(int client, String key, long invokedAt, long completedAt) {
        return new Operation(client, OpKind.DELETE, key, null, null, invokedAt, completedAt, Outcome.OK, null);
    }

    static Operation append(int client, String key, String suffix, long invokedAt, long completedAt) {
        return new Operation(client, OpKind.APPEND, key, suffix, null, invokedAt, completedAt, Outcome.OK, null);
    }

    static Operation appendUnknown(int client, String key, String suffix, long invokedAt) {
        return new Operation(client, OpKind.APPEND, key, suffix, null, invokedAt, Long.MAX_VALUE, Outcome.UNKNOWN,
                null);
    }

    static Operation cas(int client, String key, String expected, String value, boolean swapped, long invokedAt,
                         long completedAt) {
        return new Operation(client, OpKind.CAS, key, value, expected, invokedAt, completedAt, Outcome.OK,
                Boolean.toString(swapped));
    }

    static Operation casUnknown(int client, String key, String expected, String value, long invokedAt) {
        return new Operation(client, OpKind.CAS, key, value, expected, invokedAt, Long.MAX_VALUE, Outcome.UNKNOWN,
                null);
    }

    static Operation getUnknown(int client, String key, long invokedAt) {
        return new Operation(client, OpKind.GET, key, null, null, invokedAt, Long.MAX_VALUE, Outcome.UNKNOWN, null);
    }
}
