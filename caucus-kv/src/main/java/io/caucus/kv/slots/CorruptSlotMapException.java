package io.caucus.kv.slots;

/** Bytes handed to {@link SlotMap#decode} that are not a slot map this build wrote: damaged, cut or foreign. */
public final class CorruptSlotMapException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CorruptSlotMapException(String message) {
        super(message);
    }
}
