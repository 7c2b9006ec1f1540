/* Declarations of scripts/xsnap/meterkit-memory.c for the patched xsnap.c. */
extern void meterkit_build(xsMachine* the);
extern void meterkit_creation(xsCreation* creation);
extern void xs_meterkit_memory_live(xsMachine* the);
extern void xs_meterkit_allocation_begin(xsMachine* the);
extern void xs_meterkit_allocation_end(xsMachine* the);
extern void xs_meterkit_peak_begin(xsMachine* the);
extern void xs_meterkit_peak_end(xsMachine* the);
extern void xs_meterkit_compiled_size(xsMachine* the);
extern void xs_meterkit_machine_sizes(xsMachine* the);
extern void xs_meterkit_census(xsMachine* the);
extern void xs_meterkit_census_path(xsMachine* the);
extern void xs_meterkit_engine_names(xsMachine* the);
/* appended to gxSnapshotCallbacks, after the package's own */
#define mxMeterkitCallbackCount 10
#define mxMeterkitCallbacks \
	xs_meterkit_memory_live, xs_meterkit_allocation_begin, xs_meterkit_allocation_end, \
	xs_meterkit_peak_begin, xs_meterkit_peak_end, xs_meterkit_compiled_size, xs_meterkit_machine_sizes, xs_meterkit_census, xs_meterkit_census_path, xs_meterkit_engine_names,
