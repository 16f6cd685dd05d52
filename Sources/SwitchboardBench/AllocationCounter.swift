#if os(Linux) && (arch(x86_64) || arch(arm64))
import Glibc
import Synchronization
#endif

/// Counts the heap allocations a block of code makes on the calling thread: every call to
/// `malloc`, `calloc`, `realloc`, `posix_memalign`, `aligned_alloc`, `memalign`, `valloc` or
/// `pvalloc`, whoever makes it (Swift objects, arrays and strings, `UnsafeMutablePointer.allocate`,
/// Foundation, libc itself).
///
/// How: for the duration of `count(_:)`, the Global Offset Table slot through which each loaded
/// shared object (and the executable) calls those functions is pointed at a counting wrapper
/// that forwards to the real function; the slots are restored afterwards. This is the PLT-hook
/// technique of profilers, done in-process and in pure Swift: no `LD_PRELOAD`, no C target, no
/// linker flags, and no cost outside `count(_:)`. Allocations made by other threads are
/// forwarded but not counted. `free` is not wrapped: the memory comes from the same allocator.
///
/// Blind spot: code that reaches the allocator without going through a GOT slot (a statically
/// linked allocator, or libc-internal calls bound at link time). Swift's runtime, Foundation and
/// the executable all allocate through their GOT, so Swift code is fully covered.
///
/// Supported on Linux on x86-64 and arm64 (ELF64 RELA relocations); elsewhere `count` runs the
/// block and returns nil. Calls are serialized; `body` must not call `count` itself.
public enum AllocationCounter {
    /// True when `count` can count on this platform.
    public static var isSupported: Bool {
        #if os(Linux) && (arch(x86_64) || arch(arm64))
        return hooks.allSatisfy { $0.original != nil }
        #else
        return false
        #endif
    }

    /// Runs `body` and returns how many allocation calls the calling thread made during it, or
    /// nil (after still running `body`) when counting is not supported here or no GOT slot of
    /// the allocation functions was found.
    public static func count(_ body: () throws -> Void) rethrows -> Int? {
        #if os(Linux) && (arch(x86_64) || arch(arm64))
        guard isSupported else { try body(); return nil }
        return try lock.withLock { _ -> Int? in
            var sites = patchSites()
            guard !sites.isEmpty else { try body(); return nil } // e.g. a statically linked program
            for i in sites.indices { sites[i].install() }
            allocations.store(0, ordering: .relaxed)
            trackedThread.store(UInt(pthread_self()), ordering: .releasing)
            defer {
                trackedThread.store(0, ordering: .releasing)
                for i in sites.indices { sites[i].restore() }
            }
            try body()
            return allocations.load(ordering: .relaxed)
        }
        #else
        try body()
        return nil
        #endif
    }
}

#if os(Linux) && (arch(x86_64) || arch(arm64))
// MARK: - Counting wrappers

private typealias Malloc = @convention(c) (Int) -> UnsafeMutableRawPointer?
private typealias Calloc = @convention(c) (Int, Int) -> UnsafeMutableRawPointer?
private typealias Realloc = @convention(c) (UnsafeMutableRawPointer?, Int) -> UnsafeMutableRawPointer?
private typealias Aligned = @convention(c) (Int, Int) -> UnsafeMutableRawPointer?
private typealias PosixMemalign = @convention(c) (UnsafeMutablePointer<UnsafeMutableRawPointer?>?, Int, Int) -> Int32

/// The real functions, looked up once before any slot is patched (so the lookup never sees a
/// wrapper). The wrappers use only these globals, two atomics and `pthread_self`: nothing in
/// them can allocate or take a lock, so they are safe however early or often they are called.
private func real<F>(_ name: String, _ type: F.Type) -> F? {
    dlsym(nil, name).map { unsafeBitCast($0, to: F.self) } // nil handle = RTLD_DEFAULT
}
private let realMalloc = real("malloc", Malloc.self)
private let realCalloc = real("calloc", Calloc.self)
private let realRealloc = real("realloc", Realloc.self)
private let realPosixMemalign = real("posix_memalign", PosixMemalign.self)
private let realAlignedAlloc = real("aligned_alloc", Aligned.self)
private let realMemalign = real("memalign", Aligned.self)
private let realValloc = real("valloc", Malloc.self)
private let realPvalloc = real("pvalloc", Malloc.self)

/// The thread being counted (`pthread_t`), 0 when none.
private let trackedThread = Atomic<UInt>(0)
private let allocations = Atomic<Int>(0)
/// Serializes `count` (one set of patched slots at a time).
private let lock = Mutex<Void>(())

@inline(__always) private func noteAllocation() {
    let tracked = trackedThread.load(ordering: .acquiring)
    if tracked != 0 && tracked == UInt(pthread_self()) { allocations.wrappingAdd(1, ordering: .relaxed) }
}

private let mallocHook: Malloc = { noteAllocation(); return realMalloc!($0) }
private let callocHook: Calloc = { noteAllocation(); return realCalloc!($0, $1) }
private let reallocHook: Realloc = { noteAllocation(); return realRealloc!($0, $1) }
private let posixMemalignHook: PosixMemalign = { noteAllocation(); return realPosixMemalign!($0, $1, $2) }
private let alignedAllocHook: Aligned = { noteAllocation(); return realAlignedAlloc!($0, $1) }
private let memalignHook: Aligned = { noteAllocation(); return realMemalign!($0, $1) }
private let vallocHook: Malloc = { noteAllocation(); return realValloc!($0) }
private let pvallocHook: Malloc = { noteAllocation(); return realPvalloc!($0) }

/// Each wrapped symbol: its name, the real function (nil if absent) and the wrapper's address.
private let hooks: [(name: String, original: UInt?, wrapper: UInt)] = [
    ("malloc", address(realMalloc), address(mallocHook)),
    ("calloc", address(realCalloc), address(callocHook)),
    ("realloc", address(realRealloc), address(reallocHook)),
    ("posix_memalign", address(realPosixMemalign), address(posixMemalignHook)),
    ("aligned_alloc", address(realAlignedAlloc), address(alignedAllocHook)),
    ("memalign", address(realMemalign), address(memalignHook)),
    ("valloc", address(realValloc), address(vallocHook)),
    ("pvalloc", address(realPvalloc), address(pvallocHook)),
]

private func address<F>(_ function: F?) -> UInt? { function.map { unsafeBitCast($0, to: UInt.self) } }
private func address<F>(_ function: F) -> UInt { unsafeBitCast(function, to: UInt.self) }

// MARK: - Finding and patching GOT slots

/// One GOT slot to redirect, and how to put it back.
private struct PatchSite {
    let slot: UnsafeMutablePointer<UInt>
    let wrapper: UInt
    /// The slot's page is read-only outside patching (RELRO, as the loader protected it).
    let readOnly: Bool
    var saved: UInt = 0

    private var page: UnsafeMutableRawPointer {
        UnsafeMutableRawPointer(bitPattern: UInt(bitPattern: slot) & ~(pageSize - 1))!
    }

    mutating func install() {
        guard mprotect(page, Int(pageSize), PROT_READ | PROT_WRITE) == 0 else { return }
        saved = slot.pointee
        slot.pointee = wrapper
    }

    func restore() {
        guard saved != 0 else { return }
        slot.pointee = saved
        if readOnly { _ = mprotect(page, Int(pageSize), PROT_READ) }
    }
}

private let pageSize = UInt(sysconf(Int32(_SC_PAGESIZE)))

/// ELF constants (see elf.h); the Glibc module does not export `<elf.h>` or `<link.h>`.
private enum ELF {
    static let ptDynamic: UInt32 = 2, ptGNURelro: UInt32 = 0x6474_e552
    static let dtNull: Int64 = 0, dtPLTRelSize: Int64 = 2, dtStrTab: Int64 = 5, dtSymTab: Int64 = 6
    static let dtRela: Int64 = 7, dtRelaSize: Int64 = 8, dtJmpRel: Int64 = 23
    #if arch(x86_64)
    static let slotRelocations: Set<UInt64> = [6, 7]          // R_X86_64_GLOB_DAT, R_X86_64_JUMP_SLOT
    #else
    static let slotRelocations: Set<UInt64> = [1025, 1026]    // R_AARCH64_GLOB_DAT, R_AARCH64_JUMP_SLOT
    #endif
    /// Sizes of Elf64_Phdr, Elf64_Dyn, Elf64_Rela and Elf64_Sym.
    static let phdrSize = 56, dynSize = 16, relaSize = 24, symSize = 24
}

private typealias PhdrCallback = @convention(c) (UnsafeMutableRawPointer?, Int, UnsafeMutableRawPointer?) -> Int32
private typealias IteratePhdr = @convention(c) (PhdrCallback?, UnsafeMutableRawPointer?) -> Int32

/// Collects the sites found by the `dl_iterate_phdr` callback.
private final class SiteCollector {
    var sites: [PatchSite] = []
    let wrappers = Dictionary(uniqueKeysWithValues: hooks.map { ($0.name, $0.wrapper) })
}

/// Every GOT slot, in every loaded object but the dynamic loader and the vDSO, that binds one
/// of the wrapped functions.
private func patchSites() -> [PatchSite] {
    guard let iterate = real("dl_iterate_phdr", IteratePhdr.self) else { return [] }
    let collector = SiteCollector()
    _ = iterate({ info, _, context in
        // struct dl_phdr_info: dlpi_addr at 0, dlpi_name at 8, dlpi_phdr at 16, dlpi_phnum at 24.
        guard let info, let context else { return 0 }
        let collector = Unmanaged<SiteCollector>.fromOpaque(context).takeUnretainedValue()
        let base = info.load(as: UInt.self)
        let name = info.load(fromByteOffset: 8, as: UnsafePointer<CChar>?.self).map { String(cString: $0) } ?? ""
        if name.contains("ld-linux") || name.contains("linux-vdso") || name.contains("linux-gate") { return 0 }
        guard let phdrs = info.load(fromByteOffset: 16, as: UnsafeRawPointer?.self) else { return 0 }
        let phnum = Int(info.load(fromByteOffset: 24, as: UInt16.self))
        collectSites(base: base, phdrs: phdrs, count: phnum, into: collector)
        return 0
    }, Unmanaged.passUnretained(collector).toOpaque())
    return collector.sites
}

/// Reads one object's dynamic section and relocation tables.
private func collectSites(base: UInt, phdrs: UnsafeRawPointer, count: Int, into collector: SiteCollector) {
    var dynamic: UnsafeRawPointer?
    var relro: Range<UInt> = 0..<0
    for i in 0..<count {
        let phdr = phdrs + i * ELF.phdrSize
        let type = phdr.load(as: UInt32.self)
        let vaddr = phdr.load(fromByteOffset: 16, as: UInt.self), memsz = phdr.load(fromByteOffset: 40, as: UInt.self)
        if type == ELF.ptDynamic { dynamic = UnsafeRawPointer(bitPattern: base &+ vaddr) }
        if type == ELF.ptGNURelro {
            // The loader protects whole pages only: [start rounded down, end rounded down).
            let start = (base &+ vaddr) & ~(pageSize - 1), end = (base &+ vaddr &+ memsz) & ~(pageSize - 1)
            relro = start..<max(start, end)
        }
    }
    guard var entry = dynamic else { return }
    var table: [Int64: UInt] = [:]
    while case let tag = entry.load(as: Int64.self), tag != ELF.dtNull {
        table[tag] = entry.load(fromByteOffset: 8, as: UInt.self)
        entry += ELF.dynSize
    }
    // glibc rewrites these addresses to absolute ones in place; an unrelocated one is an offset.
    func pointer(_ tag: Int64) -> UnsafeRawPointer? {
        table[tag].flatMap { UnsafeRawPointer(bitPattern: $0 < base ? $0 &+ base : $0) }
    }
    guard let symbols = pointer(ELF.dtSymTab), let strings = pointer(ELF.dtStrTab) else { return }
    for (tableTag, sizeTag) in [(ELF.dtRela, ELF.dtRelaSize), (ELF.dtJmpRel, ELF.dtPLTRelSize)] {
        guard let relocations = pointer(tableTag), let size = table[sizeTag] else { continue }
        for r in 0..<Int(size) / ELF.relaSize {
            let rela = relocations + r * ELF.relaSize
            let info = rela.load(fromByteOffset: 8, as: UInt64.self)
            guard ELF.slotRelocations.contains(info & 0xffff_ffff), info >> 32 != 0 else { continue }
            let nameOffset = symbols.load(fromByteOffset: Int(info >> 32) * ELF.symSize, as: UInt32.self)
            let name = String(cString: (strings + Int(nameOffset)).assumingMemoryBound(to: CChar.self))
            guard let wrapper = collector.wrappers[name] else { continue }
            let slotAddress = base &+ rela.load(as: UInt.self)
            collector.sites.append(PatchSite(slot: UnsafeMutablePointer(bitPattern: slotAddress)!, wrapper: wrapper,
                                             readOnly: relro.contains(slotAddress)))
        }
    }
}
#endif
