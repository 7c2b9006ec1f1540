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
 *                          slots * sizeof(txSlot) + chunk bytes, then
 *                          metering back to xsnap's own
 *   xsCompiledSize(path)   compiles the module at path as xsc would for a
 *                          release build (no debug information) and returns
 *                          [code bytes, symbol table bytes, symbol names
 *                          separated by "\n"]
 *   xsMachineSizes()       [slot bytes of this build, reserved chunk bytes,
 *                          reserved slots]
 *   xsEngineNames()        the names the engine's own symbol table has
 *                          (gxIDStrings) separated by "\n": a device's
 *                          linked symbol table has them whatever the modules
 *   xsCensus(roots, from[, to])  the live set by owner and by kind (below)
 *   xsCensusPath(value)    how the realm keeps value alive (below)
 * Counts and bytes are this build's: built with -m32 (scripts/build-xsnap.mjs)
 * a slot is 16 bytes and a chunk header 8, as on the ESP32 and nRF52840; a
 * 64-bit build has 32-byte slots and 16-byte chunk headers.
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
	if ((txNumber)the->currentHeapCount * sizeof(txSlot) + the->currentChunksSize > (txNumber)gxMeterkitPeakSlots * sizeof(txSlot) + gxMeterkitPeakChunks) {
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

/*
 * xsCensus(roots, kindsFrom) — where the live set goes, by owner and by kind.
 *
 * After a full collection, walks the object graph the way the collector
 * marks it (scripts/xsnap here mirrors fxMarkValue), first from the realm
 * (the engine's built-ins, the modules and their module-level tables:
 * silently, they are not the meter's RAM), then from each root in turn.
 * Each root is credited with the slots and chunk bytes first reached from
 * it without passing through another root (the roots are fences: a domain
 * that refers to the meter through a closure is not credited with the
 * meter); what two roots share is counted for the earlier one. Roots
 * from index kindsFrom on (up to kindsTo, the optional third argument, not
 * included) are also tallied by kind: every instance they reach by the name of its constructor ("Obis",
 * "Uint8Array", "Object"), function instances by the function's name
 * ("fn read"), closure scopes as "(closure scope)"; an instance is credited
 * with its own slots (property chain, private fields, Map/Set entries,
 * closure variables) and chunks (strings, array items, buffers).
 * Returns [[slots, chunk bytes] per root, [[label, instances, slots,
 * chunk bytes], ...]]. Home objects are not followed (see XS_HOME_KIND). Nothing of the machine is changed: visited slots and
 * chunks are kept in a table of their own, not flagged.
 */
typedef struct {
	void** keys;
	void** parents; /* the instance being walked when the key was first reached (xsCensusPath) */
	txSize capacity;
	txSize count;
} MeterkitSeen;

typedef struct {
	txSize kind; /* 1 function name id, 2 prototype, 3 fixed label */
	void* key;
	txNumber instances, slots, chunks;
} MeterkitKind;

typedef struct {
	txMachine* the;
	MeterkitSeen seen;
	txSlot** stack;
	txSize stackCount, stackCapacity;
	txNumber slots, chunks;
	MeterkitKind* kinds;
	txSize kindCount, kindCapacity;
	txSize current; /* kind being credited, or -1 */
	txSlot* walking; /* instance being walked */
	txSlot** fences; /* the roots: a walk from one root stops at the others */
	txSize fenceCount;
	txSlot* root; /* the root being walked */
	int failed;
} MeterkitCensus;

static const char* gxMeterkitFixedLabels[] = { "(closure scope)", "(null prototype)", "(function)" };

static size_t meterkit_hash(void* p)
{
	uintptr_t x = (uintptr_t)p;
	x ^= x >> 17; x *= 0xed5ad4bb; x ^= x >> 11; x *= 0xac4c1b51; x ^= x >> 15;
	return (size_t)x;
}

/* Adds p; returns 1 when it was not there yet. */
static int meterkit_see(MeterkitCensus* c, void* p)
{
	MeterkitSeen* s = &c->seen;
	size_t i;
	if ((s->count + 1) * 2 > s->capacity) {
		txSize capacity = s->capacity ? s->capacity * 2 : 65536, j;
		void** keys = c_calloc(capacity, sizeof(void*));
		void** parents = c_calloc(capacity, sizeof(void*));
		if (!keys || !parents) { c_free(keys); c_free(parents); c->failed = 1; return 0; }
		for (j = 0; j < s->capacity; j++) {
			if (s->keys[j]) {
				i = meterkit_hash(s->keys[j]) & (capacity - 1);
				while (keys[i]) i = (i + 1) & (capacity - 1);
				keys[i] = s->keys[j];
				parents[i] = s->parents[j];
			}
		}
		c_free(s->keys);
		c_free(s->parents);
		s->keys = keys;
		s->parents = parents;
		s->capacity = capacity;
	}
	i = meterkit_hash(p) & (s->capacity - 1);
	while (s->keys[i]) {
		if (s->keys[i] == p) return 0;
		i = (i + 1) & (s->capacity - 1);
	}
	s->keys[i] = p;
	s->parents[i] = c->walking;
	s->count++;
	return 1;
}

static void* meterkit_parent(MeterkitCensus* c, void* p)
{
	MeterkitSeen* s = &c->seen;
	size_t i;
	if (!s->capacity) return C_NULL;
	i = meterkit_hash(p) & (s->capacity - 1);
	while (s->keys[i]) {
		if (s->keys[i] == p) return s->parents[i];
		i = (i + 1) & (s->capacity - 1);
	}
	return C_NULL;
}

static void meterkit_credit(MeterkitCensus* c, txNumber slots, txNumber chunks)
{
	c->slots += slots;
	c->chunks += chunks;
	if (c->current >= 0) {
		c->kinds[c->current].slots += slots;
		c->kinds[c->current].chunks += chunks;
	}
}

static void meterkit_chunk(MeterkitCensus* c, void* data)
{
	if (data && meterkit_see(c, data))
		meterkit_credit(c, 0, (txNumber)(((txChunk*)(((txByte*)data) - sizeof(txChunk)))->size & 0x7FFFFFFF));
}

static void meterkit_instance(MeterkitCensus* c, txSlot* instance)
{
	txSize i;
	if (!instance) return;
	for (i = 0; i < c->fenceCount; i++)
		if (c->fences[i] == instance && instance != c->root) return;
	if (!meterkit_see(c, instance)) return;
	if (c->stackCount == c->stackCapacity) {
		txSize capacity = c->stackCapacity ? c->stackCapacity * 2 : 4096;
		txSlot** stack = c_realloc(c->stack, capacity * sizeof(txSlot*));
		if (!stack) { c->failed = 1; return; }
		c->stack = stack;
		c->stackCapacity = capacity;
	}
	c->stack[c->stackCount++] = instance;
}

static void meterkit_value(MeterkitCensus* c, txSlot* slot);

/* A slot outside any property chain (closure variable, list and table entry): counted once. */
static void meterkit_slot(MeterkitCensus* c, txSlot* slot)
{
	if (slot && meterkit_see(c, slot)) {
		meterkit_credit(c, 1, 0);
		meterkit_value(c, slot);
	}
}

static void meterkit_value(MeterkitCensus* c, txSlot* slot)
{
	txSlot* s;
	switch (slot->kind) {
	case XS_STRING_KIND: meterkit_chunk(c, slot->value.string); break;
	case XS_BIGINT_KIND: meterkit_chunk(c, slot->value.bigint.data); break;
	case XS_REFERENCE_KIND: meterkit_instance(c, slot->value.reference); break;
	case XS_CLOSURE_KIND: meterkit_slot(c, slot->value.closure); break;
	case XS_INSTANCE_KIND: meterkit_instance(c, slot); break;
	case XS_ARGUMENTS_SLOPPY_KIND:
	case XS_ARGUMENTS_STRICT_KIND:
	case XS_ARRAY_KIND:
	case XS_STACK_KIND:
		if ((s = slot->value.array.address) && meterkit_see(c, s)) {
			txChunk* chunk = (txChunk*)(((txByte*)s) - sizeof(txChunk));
			txIndex length = (chunk->size & 0x7FFFFFFF) / sizeof(txSlot);
			if (length > slot->value.array.length) length = slot->value.array.length;
			meterkit_credit(c, 0, (txNumber)(chunk->size & 0x7FFFFFFF));
			while (length--) meterkit_value(c, s++);
		}
		break;
	case XS_ARRAY_BUFFER_KIND: meterkit_chunk(c, slot->value.arrayBuffer.address); break;
	case XS_CALLBACK_KIND: meterkit_instance(c, slot->value.callback.closures); break;
	case XS_CODE_KIND:
		meterkit_chunk(c, slot->value.code.address);
		meterkit_instance(c, slot->value.code.closures);
		break;
	case XS_CODE_X_KIND: meterkit_instance(c, slot->value.code.closures); break;
	case XS_GLOBAL_KIND: meterkit_chunk(c, slot->value.table.address); break;
	case XS_HOST_KIND:
		if (slot->value.host.data && (slot->flag & XS_HOST_CHUNK_FLAG)) meterkit_chunk(c, slot->value.host.data);
		break;
	case XS_IDS_KIND: meterkit_chunk(c, slot->value.IDs); break;
	case XS_PROXY_KIND:
		meterkit_instance(c, slot->value.proxy.handler);
		meterkit_instance(c, slot->value.proxy.target);
		break;
	case XS_REGEXP_KIND:
		meterkit_chunk(c, slot->value.regexp.code);
		meterkit_chunk(c, slot->value.regexp.data);
		break;
	case XS_ACCESSOR_KIND:
		meterkit_instance(c, slot->value.accessor.getter);
		meterkit_instance(c, slot->value.accessor.setter);
		break;
	case XS_HOME_KIND:
		/* Not home.object: XS sets a private method's home object to the
		   instance last constructed (the collector keeps it alive that way),
		   which would credit that whole instance to the realm. An ordinary
		   method's home object is its class prototype, reached anyway. */
		meterkit_instance(c, slot->value.home.module);
		break;
	case XS_MODULE_KIND:
	case XS_PROGRAM_KIND: meterkit_instance(c, slot->value.module.realm); break;
	case XS_EXPORT_KIND:
		meterkit_slot(c, slot->value.export.closure);
		meterkit_instance(c, slot->value.export.module);
		break;
	case XS_KEY_KIND: meterkit_chunk(c, slot->value.key.string); break;
	case XS_ERROR_KIND: meterkit_instance(c, slot->value.error.info); break;
	case XS_LIST_KIND:
		for (s = slot->value.list.first; s; s = s->next) meterkit_slot(c, s);
		break;
	case XS_PRIVATE_KIND:
		meterkit_instance(c, slot->value.private.check);
		for (s = slot->value.private.first; s; s = s->next) meterkit_slot(c, s);
		break;
	case XS_MAP_KIND:
	case XS_SET_KIND: {
		txSlot** address = slot->value.table.address;
		txInteger length = slot->value.table.length;
		meterkit_chunk(c, address);
		while (length-- > 0) {
			for (s = *address++; s; s = s->next)
				if (meterkit_see(c, s)) meterkit_credit(c, 1, 0); /* the entry; its key and value are the list's */
		}
		break;
	}
	case XS_WEAK_MAP_KIND:
	case XS_WEAK_SET_KIND:
		for (s = slot->value.weakList.first; s; s = s->next) meterkit_slot(c, s);
		break;
	case XS_WEAK_ENTRY_KIND: meterkit_slot(c, slot->value.weakEntry.value); break;
	case XS_FINALIZATION_REGISTRY_KIND:
		for (s = slot->value.finalizationRegistry.callback; s; s = s->next) meterkit_slot(c, s);
		break;
	case XS_HOST_INSPECTOR_KIND: meterkit_instance(c, slot->value.hostInspector.cache); break;
	default: break;
	}
}

static txSize meterkit_kind(MeterkitCensus* c, txSize kind, void* key)
{
	txSize i;
	for (i = 0; i < c->kindCount; i++)
		if (c->kinds[i].kind == kind && c->kinds[i].key == key) return i;
	if (c->kindCount == c->kindCapacity) {
		txSize capacity = c->kindCapacity ? c->kindCapacity * 2 : 256;
		MeterkitKind* kinds = c_realloc(c->kinds, capacity * sizeof(MeterkitKind));
		if (!kinds) { c->failed = 1; return -1; }
		c->kinds = kinds;
		c->kindCapacity = capacity;
	}
	c->kinds[c->kindCount].kind = kind;
	c->kinds[c->kindCount].key = key;
	c->kinds[c->kindCount].instances = c->kinds[c->kindCount].slots = c->kinds[c->kindCount].chunks = 0;
	return c->kindCount++;
}

static txSize meterkit_kind_of(MeterkitCensus* c, txSlot* instance)
{
	txSlot* next = instance->next;
	if (next && next->ID == XS_ENVIRONMENT_BEHAVIOR && (next->flag & XS_INTERNAL_FLAG))
		return meterkit_kind(c, 3, (void*)0);
	if (mxIsFunction(instance)) {
		txID id = mxFunctionInstanceCode(instance)->ID;
		return id == XS_NO_ID ? meterkit_kind(c, 3, (void*)2) : meterkit_kind(c, 1, (void*)(intptr_t)id);
	}
	if (!instance->value.instance.prototype)
		return meterkit_kind(c, 3, (void*)1);
	return meterkit_kind(c, 2, instance->value.instance.prototype);
}

static void meterkit_walk(MeterkitCensus* c, int tally)
{
	while (c->stackCount && !c->failed) {
		txSlot* instance = c->stack[--c->stackCount];
		txSlot* p;
		c->walking = instance;
		c->current = tally ? meterkit_kind_of(c, instance) : -1;
		if (c->current >= 0) c->kinds[c->current].instances += 1;
		meterkit_credit(c, 1, 0);
		meterkit_instance(c, instance->value.instance.prototype);
		for (p = instance->next; p; p = p->next) {
			if (!meterkit_see(c, p)) continue;
			meterkit_credit(c, 1, 0);
			meterkit_value(c, p);
		}
	}
	c->current = -1;
	c->walking = C_NULL;
}

/* "fn name", a constructor's name, or a fixed label. */
static void meterkit_label(MeterkitCensus* c, MeterkitKind* k, char* out, size_t size)
{
	txMachine* the = c->the;
	if (k->kind == 3) {
		c_snprintf(out, size, "%s", gxMeterkitFixedLabels[(intptr_t)k->key]);
		return;
	}
	if (k->kind == 1) {
		char* name = fxGetKeyName(the, (txID)(intptr_t)k->key);
		c_snprintf(out, size, "fn %s", name ? name : "?");
		return;
	}
	{
		txSlot* proto = (txSlot*)k->key;
		txSlot* p;
		for (p = proto->next; p; p = p->next) {
			if (p->ID == mxID(_constructor) && p->kind == XS_REFERENCE_KIND && mxIsFunction(p->value.reference)) {
				char* name = fxGetKeyName(the, mxFunctionInstanceCode(p->value.reference)->ID);
				c_snprintf(out, size, "%s", name ? name : "?");
				return;
			}
		}
		if (proto->next && proto->next->ID == XS_ENVIRONMENT_BEHAVIOR)
			c_snprintf(out, size, "(closure scope)");
		else
			c_snprintf(out, size, "(object without constructor)");
	}
}

/* The realm: built-ins, modules, module-level tables. */
static void meterkit_realm(txMachine* the, MeterkitCensus* c)
{
	txSlot* program = mxProgram.value.reference;
	meterkit_instance(c, program);
	meterkit_instance(c, mxGlobal.value.reference);
	if (mxModuleInstanceInternal(program)->kind == XS_PROGRAM_KIND || mxModuleInstanceInternal(program)->kind == XS_MODULE_KIND)
		meterkit_instance(c, mxModuleInstanceInternal(program)->value.module.realm);
	meterkit_walk(c, 0);
}

/*
 * xsCensusPath(value): how the realm reaches value (why a module-level
 * table or the engine keeps it alive): the labels of the instances on the
 * way, realm side first; [] when the realm does not reach it.
 */
void xs_meterkit_census_path(txMachine* the)
{
	MeterkitCensus c;
	txSlot* p;
	txInteger n = 0;
	char label[128];
	c_memset(&c, 0, sizeof(c));
	c.the = the;
	c.current = -1;
	fxCollect(the, XS_COMPACT_FLAG);
	fxEnableGarbageCollection(the, 0);
	meterkit_realm(the, &c);
	xsResult = xsNewArray(0);
	if (xsTypeOf(xsArg(0)) == xsReferenceType) {
		p = xsToReference(xsArg(0));
		if (meterkit_see(&c, p)) p = C_NULL; /* not reached */
		while (p && !c.failed && n < 1000) {
			MeterkitKind k;
			txSize i = meterkit_kind_of(&c, p);
			if (i < 0) break;
			k = c.kinds[i];
			meterkit_label(&c, &k, label, sizeof(label));
			xsSetAt(xsResult, xsInteger(n++), xsString(label));
			p = meterkit_parent(&c, p);
		}
	}
	c_free(c.seen.keys);
	c_free(c.seen.parents);
	c_free(c.stack);
	c_free(c.kinds);
	fxEnableGarbageCollection(the, 1);
}

void xs_meterkit_census(txMachine* the)
{
	MeterkitCensus c;
	txInteger count, kindsFrom, kindsTo, i;
	char label[128];
	c_memset(&c, 0, sizeof(c));
	c.the = the;
	c.current = -1;
	kindsFrom = xsToInteger(xsArg(1));
	kindsTo = xsToInteger(xsArgc) > 2 ? xsToInteger(xsArg(2)) : 0x7FFFFFFF;
	fxCollect(the, XS_COMPACT_FLAG);
	fxEnableGarbageCollection(the, 0);
	count = xsToInteger(xsGet(xsArg(0), xsID("length")));
	xsVars(2);
	c.fences = c_calloc(count > 0 ? count : 1, sizeof(txSlot*));
	if (!c.fences) c.failed = 1;
	for (i = 0; i < count && !c.failed; i++) {
		xsVar(0) = xsGetAt(xsArg(0), xsInteger(i));
		if (xsTypeOf(xsVar(0)) == xsReferenceType) c.fences[c.fenceCount++] = xsToReference(xsVar(0));
	}
	meterkit_realm(the, &c);
	xsResult = xsNewArray(0);
	xsVar(1) = xsNewArray(count);
	for (i = 0; i < count && !c.failed; i++) {
		txNumber slots = c.slots, chunks = c.chunks;
		xsVar(0) = xsGetAt(xsArg(0), xsInteger(i));
		if (xsTypeOf(xsVar(0)) == xsReferenceType) {
			c.root = xsToReference(xsVar(0));
			meterkit_instance(&c, c.root);
			meterkit_walk(&c, i >= kindsFrom && i < kindsTo);
		}
		xsVar(0) = xsNewArray(2);
		xsSetAt(xsVar(0), xsInteger(0), xsNumber(c.slots - slots));
		xsSetAt(xsVar(0), xsInteger(1), xsNumber(c.chunks - chunks));
		xsSetAt(xsVar(1), xsInteger(i), xsVar(0));
	}
	xsSetAt(xsResult, xsInteger(0), xsVar(1));
	xsVar(1) = xsNewArray(0);
	for (i = 0; i < c.kindCount && !c.failed; i++) {
		meterkit_label(&c, &c.kinds[i], label, sizeof(label));
		xsVar(0) = xsNewArray(4);
		xsSetAt(xsVar(0), xsInteger(0), xsString(label));
		xsSetAt(xsVar(0), xsInteger(1), xsNumber(c.kinds[i].instances));
		xsSetAt(xsVar(0), xsInteger(2), xsNumber(c.kinds[i].slots));
		xsSetAt(xsVar(0), xsInteger(3), xsNumber(c.kinds[i].chunks));
		xsSetAt(xsVar(1), xsInteger(i), xsVar(0));
	}
	xsSetAt(xsResult, xsInteger(1), xsVar(1));
	c_free(c.seen.keys);
	c_free(c.seen.parents);
	c_free(c.stack);
	c_free(c.kinds);
	c_free(c.fences);
	fxEnableGarbageCollection(the, 1);
	if (c.failed)
		xsUnknownError("census: not enough memory");
}

void xs_meterkit_machine_sizes(txMachine* the)
{
	xsResult = xsNewArray(3);
	xsSetAt(xsResult, xsInteger(0), xsNumber(sizeof(txSlot)));
	xsSetAt(xsResult, xsInteger(1), xsNumber(the->maximumChunksSize));
	xsSetAt(xsResult, xsInteger(2), xsNumber(the->maximumHeapCount));
}

void xs_meterkit_engine_names(txMachine* the)
{
	txSize i, size = 1;
	txString names, p;
	for (i = 0; i < XS_ID_COUNT; i++)
		size += (txSize)c_strlen(gxIDStrings[i]) + 1;
	names = p = c_malloc(size);
	if (!names)
		xsUnknownError("not enough memory");
	for (i = 0; i < XS_ID_COUNT; i++) {
		txSize length = (txSize)c_strlen(gxIDStrings[i]);
		c_memcpy(p, gxIDStrings[i], length);
		p += length;
		*p++ = '\n';
	}
	*p = 0;
	xsResult = xsString(names);
	c_free(names);
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
	xsResult = xsNewHostFunction(xs_meterkit_census, 2);
	xsDefine(xsGlobal, xsID("xsCensus"), xsResult, xsDontEnum);
	xsResult = xsNewHostFunction(xs_meterkit_census_path, 1);
	xsDefine(xsGlobal, xsID("xsCensusPath"), xsResult, xsDontEnum);
	xsResult = xsNewHostFunction(xs_meterkit_engine_names, 0);
	xsDefine(xsGlobal, xsID("xsEngineNames"), xsResult, xsDontEnum);
}

