package io.caucus.kv.state;

/** The value of a Redis set: its members are the table's keys (the values are unused). */
public final class SetValue extends Dict<Boolean> {

    @Override
    protected Dict<Boolean> emptyLike() {
        return new SetValue();
    }

    public SetValue copyOf() {
        return (SetValue) copy();
    }

    /** Adds a member; true if it was not there. */
    public boolean addMember(byte[] member) {
        return add(member, Boolean.TRUE);
    }
}
