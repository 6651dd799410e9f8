package io.caucus.core;

/**
 * The name of one server in a cluster, e.g. {@code n1}. Stable for the life of the server: it appears in
 * votes, in configuration entries and on the wire.
 */
public record NodeId(String value) implements Comparable<NodeId> {

    public static final int MAX_LENGTH = 64;

    public NodeId {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("node id must not be blank");
        }
        if (value.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("node id longer than " + MAX_LENGTH + " characters: " + value);
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_' || c == '.';
            if (!allowed) {
                throw new IllegalArgumentException(
                        "node id may hold ASCII letters, digits, '-', '_' and '.' only: '" + value + "'");
            }
        }
    }

    public static NodeId of(String value) {
        return new NodeId(value);
    }

    @Override
    public int compareTo(NodeId other) {
        return value.compareTo(other.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
