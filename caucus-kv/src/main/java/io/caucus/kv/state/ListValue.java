package io.caucus.kv.state;

/** Placeholder until the list structure lands. */
public final class ListValue {
    public int size() {
        return 0;
    }

    public ListValue copy() {
        return this;
    }
}
