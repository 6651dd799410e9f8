package io.caucus.kv.command.script;

import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaValue;

/**
 * The globals of one script run ({@code _G}): a {@link Globals} (luaj runs its instruction hook only for code whose
 * environment is one) that is read-only once sealed, like {@link ReadOnlyTable}. Reading a global that does not
 * exist raises Redis's {@code Script attempted to access nonexistent global variable} through its metatable.
 */
final class ScriptGlobals extends Globals {

    private boolean sealed;

    void seal() {
        sealed = true;
    }

    private void check() {
        if (sealed) {
            throw ReadOnlyTable.readOnly();
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
