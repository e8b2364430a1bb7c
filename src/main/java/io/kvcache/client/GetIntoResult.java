package io.kvcache.client;

import io.kvcache.proto.v1.ErrorCode;

import java.util.List;

/**
 * What {@code batchGetInto} did, per key in request order.
 *
 * @param codes OK when the value is in the buffer at the key's offset; BUFFER_OVERFLOW when it did not fit the room given
 *        (nothing was written); otherwise why not
 * @param lengths for OK the value's length; for BUFFER_OVERFLOW the value's size; otherwise 0
 */
public record GetIntoResult(List<ErrorCode> codes, long[] lengths) {}
