/*
 * meterkit host functions compiled into the project's xsnap (see
 * scripts/build-xsnap.mjs, which includes this file at the end of
 * xsnapPlatform.c so that it sees the machine's internals).
 *
 * They give the benchmarks the memory figures a device is judged by:
 *   xsMemoryLive()         full collection (slots and chunks compacted), then
 *                          [live slots, live chunk bytes]
 *   xsAllocationBegin()    garbage collection off, counters noted
 *   xsAllocationEnd()      [slots, chunk bytes] allocated since Begin; with
 *                          collection off every slot and chunk taken stays
 *                          counted, so the difference is what was allocated;
 *                          collection back on
 *   xsPeakBegin(interval)  every `interval` XS computations (checked where
 *                          the meter is checked: function entries and
 *                          backward branches), a full collection and a sample
 *                          of the live set
 *   xsPeakEnd()            [slots, chunk bytes] of the sample with the most
 *                          slots*16 + chunk bytes (a device's 32-bit slot is
 *                          16 bytes), then metering back to xsnap's own
 *   xsCompiledSize(path)   compiles the module at path as xsc would for a
 *                          release build (no debug information) and returns
 *                          [code bytes, symbol table bytes, symbol names
 *                          separated by "\n"]
 *   xsMachineSizes()       [slot bytes on this host, reserved chunk bytes,
 *                          reserved slots]
 * Counts are this host's (64-bit slots are 32 bytes); the bench converts.
 */

#include "xs.h"

static txSize gxMeterkitSlots = 0;
static txSize gxMeterkitChunks = 0;
static txSize gxMeterkitPeakSlots = 0;
static txSize gxMeterkitPeakChunks = 0;
static txBoolean (*gxMeterkitSavedCallback)(txMachine*, txU4) = C_NULL;
static txU4 gxMeterkitSavedInterval = 0;
static txBoolean gxMeterkitSampling = 0;

static void meterkit_pair(txMachine* the, txNumber a, txNumber b)
{
	xsResult = xsNewArray(2);
	xsSetAt(xsResult, xsInteger(0), xsNumber(a));
	xsSetAt(xsResult, xsInteger(1), xsNumber(b));
}

static void meterkit_sample(txMachine* the)
{
	fxCollect(the, XS_COMPACT_FLAG);
	if ((txNumber)the->currentHeapCount * 16 + the->currentChunksSize > (txNumber)gxMeterkitPeakSlots * 16 + gxMeterkitPeakChunks) {
		gxMeterkitPeakSlots = the->currentHeapCount;
		gxMeterkitPeakChunks = the->currentChunksSize;
	}
}

void xs_meterkit_memory_live(txMachine* the)
{
	fxCollect(the, XS_COMPACT_FLAG);
	meterkit_pair(the, the->currentHeapCount, the->currentChunksSize);
}

void xs_meterkit_allocation_begin(txMachine* the)
{
	fxCollect(the, XS_COMPACT_FLAG);
	fxEnableGarbageCollection(the, 0);
	gxMeterkitSlots = the->currentHeapCount;
	gxMeterkitChunks = the->currentChunksSize;
}

void xs_meterkit_allocation_end(txMachine* the)
{
	txSize slots = the->currentHeapCount - gxMeterkitSlots;
	txSize chunks = the->currentChunksSize - gxMeterkitChunks;
	fxEnableGarbageCollection(the, 1);
	meterkit_pair(the, slots, chunks);
}

#ifdef mxMetering
static txBoolean meterkit_peak_callback(txMachine* the, txU4 index)
{
	meterkit_sample(the);
	return 1;
}
#endif

void xs_meterkit_peak_begin(txMachine* the)
{
#ifdef mxMetering
	txInteger interval = xsToInteger(xsArg(0));
	if (interval < 1)
		xsRangeError("interval must be at least 1");
	if (gxMeterkitSampling)
		xsTypeError("already sampling");
	gxMeterkitPeakSlots = 0;
	gxMeterkitPeakChunks = 0;
	meterkit_sample(the);
	gxMeterkitSavedCallback = the->meterCallback;
	gxMeterkitSavedInterval = the->meterInterval;
	the->meterCallback = meterkit_peak_callback;
	the->meterInterval = (txU4)interval;
	the->meterCount = the->meterIndex + (txU4)interval;
	gxMeterkitSampling = 1;
#endif
}

void xs_meterkit_peak_end(txMachine* the)
{
#ifdef mxMetering
	if (!gxMeterkitSampling)
		xsTypeError("not sampling");
	the->meterCallback = gxMeterkitSavedCallback;
	the->meterInterval = gxMeterkitSavedInterval;
	the->meterCount = the->meterIndex + gxMeterkitSavedInterval;
	gxMeterkitSampling = 0;
	meterkit_sample(the);
	meterkit_pair(the, gxMeterkitPeakSlots, gxMeterkitPeakChunks);
#endif
}

void xs_meterkit_compiled_size(txMachine* the)
{
	char real[C_PATH_MAX];
	txString path = xsToString(xsArg(0));
	txScript* script;
	txString names;
	txSize i, j, size;
	if (!c_realpath(path, real))
		xsURIError("file not found: %s", path);
	script = fxLoadScript(the, real, 0);
	if (!script)
		xsSyntaxError("cannot compile %s", real);
	size = script->symbolsSize;
	names = c_malloc(size + 1);
	if (!names) {
		fxDeleteScript(script);
		xsUnknownError("not enough memory");
	}
	/* the symbol table is a count then NUL-terminated names: one name a line */
	for (i = sizeof(txID), j = 0; i < size; i++, j++)
		names[j] = script->symbolsBuffer[i] ? script->symbolsBuffer[i] : '\n';
	names[j] = 0;
	xsResult = xsNewArray(3);
	xsSetAt(xsResult, xsInteger(0), xsNumber(script->codeSize));
	xsSetAt(xsResult, xsInteger(1), xsNumber(script->symbolsSize));
	xsSetAt(xsResult, xsInteger(2), xsString(names));
	c_free(names);
	fxDeleteScript(script);
}

void xs_meterkit_machine_sizes(txMachine* the)
{
	xsResult = xsNewArray(3);
	xsSetAt(xsResult, xsInteger(0), xsNumber(sizeof(txSlot)));
	xsSetAt(xsResult, xsInteger(1), xsNumber(the->maximumChunksSize));
	xsSetAt(xsResult, xsInteger(2), xsNumber(the->maximumHeapCount));
}

/*
 * METERKIT_XS_CREATION="chunkBytes,slots[,stackSlots]" gives the machine a
 * fixed heap (no incremental growth), as a device's creation record does:
 * running out aborts with "not enough memory" instead of growing.
 */
void meterkit_creation(xsCreation* creation)
{
	char* value = getenv("METERKIT_XS_CREATION");
	long chunk = 0, heap = 0, stack = 0;
	if (!value)
		return;
	if (sscanf(value, "%ld,%ld,%ld", &chunk, &heap, &stack) < 2 || chunk <= 0 || heap <= 0) {
		fprintf(stderr, "METERKIT_XS_CREATION: expected chunkBytes,slots[,stackSlots]\n");
		exit(1);
	}
	creation->initialChunkSize = (txSize)chunk;
	creation->incrementalChunkSize = 0;
	creation->initialHeapCount = (txSize)heap;
	creation->incrementalHeapCount = 0;
	if (stack > 0)
		creation->stackCount = (txSize)stack;
}

void meterkit_build(txMachine* the)
{
	xsResult = xsNewHostFunction(xs_meterkit_memory_live, 0);
	xsDefine(xsGlobal, xsID("xsMemoryLive"), xsResult, xsDontEnum);
	xsResult = xsNewHostFunction(xs_meterkit_allocation_begin, 0);
	xsDefine(xsGlobal, xsID("xsAllocationBegin"), xsResult, xsDontEnum);
	xsResult = xsNewHostFunction(xs_meterkit_allocation_end, 0);
	xsDefine(xsGlobal, xsID("xsAllocationEnd"), xsResult, xsDontEnum);
	xsResult = xsNewHostFunction(xs_meterkit_peak_begin, 1);
	xsDefine(xsGlobal, xsID("xsPeakBegin"), xsResult, xsDontEnum);
	xsResult = xsNewHostFunction(xs_meterkit_peak_end, 0);
	xsDefine(xsGlobal, xsID("xsPeakEnd"), xsResult, xsDontEnum);
	xsResult = xsNewHostFunction(xs_meterkit_compiled_size, 1);
	xsDefine(xsGlobal, xsID("xsCompiledSize"), xsResult, xsDontEnum);
	xsResult = xsNewHostFunction(xs_meterkit_machine_sizes, 0);
	xsDefine(xsGlobal, xsID("xsMachineSizes"), xsResult, xsDontEnum);
}

