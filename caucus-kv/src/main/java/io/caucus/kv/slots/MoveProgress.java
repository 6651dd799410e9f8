package io.caucus.kv.slots;

/**
 * How far the mover has got with a slot move, for operators ({@code GET /slots}, {@code caucus slots}): known only to
 * the metadata leader, whose mover runs the moves, and counted from the start of its current attempt (a mover that
 * starts a move again, after a failure or a change of leader, counts again from zero).
 *
 * @param passes          walks over the source's keys of the range begun (one more whenever keys were written
 *                        during the last)
 * @param keysMoved       keys the source released to the target so far
 * @param bytesCopied     bytes of key copies staged in the target so far
 * @param startedAtMillis when this attempt started (epoch milliseconds)
 */
public record MoveProgress(SlotRange range, int passes, long keysMoved, long bytesCopied, long startedAtMillis) {
}
