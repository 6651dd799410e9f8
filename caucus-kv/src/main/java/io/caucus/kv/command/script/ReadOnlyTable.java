package io.caucus.kv.command.script;

import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;

/**
 * A table that scripts cannot change once it is sealed, as Redis 7.0 protects its globals and libraries:
 * every way of writing it (assignment, rawset, table.insert/remove/sort, setmetatable) raises
 * {@code Attempt to modify a readonly table}. Library tables are shared by every script run, so this is also what
 * keeps one script from changing what the next one sees.
 */
final class ReadOnlyTable extends LuaTable {

    static final String MESSAGE = "Attempt to modify a readonly table";

    private boolean sealed;

    ReadOnlyTable seal() {
        sealed = true;
        return this;
    }

    boolean sealed() {
        return sealed;
    }

    static LuaError readOnly() {
        return new LuaError(MESSAGE);
    }

    private void check() {
        if (sealed) {
            throw readOnly();
        }
    }

    @Override
    public void rawset(int key, LuaValue value) {
        check();
        super.rawset(key, value);
    }

    @Override
    public void rawset(LuaValue key, LuaValue value) {
        check();
        super.rawset(key, value);
    }

    @Override
    public void hashset(LuaValue key, LuaValue value) {
        check();
        super.hashset(key, value);
    }

    @Override
    public LuaValue setmetatable(LuaValue metatable) {
        check();
        return super.setmetatable(metatable);
    }

    @Override
    public LuaValue remove(int pos) {
        check();
        return super.remove(pos);
    }

    @Override
    public void insert(int pos, LuaValue value) {
        check();
        super.insert(pos, value);
    }

    @Override
    public void sort(LuaValue comparator) {
        check();
        super.sort(comparator);
    }

    @Override
    public void presize(int narray) {
        check();
        super.presize(narray);
    }
}
