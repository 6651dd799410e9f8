package io.caucus.kv.state;

/** The value of a Redis hash: field to value. */
public final class HashValue extends Dict<byte[]> {

    @Override
    protected Dict<byte[]> emptyLike() {
        return new HashValue();
    }

    public HashValue copyOf() {
        return (HashValue) copy();
    }
}
