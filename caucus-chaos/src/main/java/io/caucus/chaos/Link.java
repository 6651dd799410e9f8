package io.caucus.chaos;

/** A directed link: traffic that node {@code from} sends to node {@code to}. */
record Link(String from, String to) {

    Link {
        if (from.equals(to)) {
            throw new IllegalArgumentException("a link joins two different nodes, got " + from + " to itself");
        }
    }

    Link reversed() {
        return new Link(to, from);
    }

    @Override
    public String toString() {
        return from + "->" + to;
    }
}
