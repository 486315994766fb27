/*
 * Intel MKL, which libtorch bundles, asks this function whether it runs on an Intel CPU and, when the answer is no,
 * takes a generic AVX2 code path even where the CPU has AVX-512. libtorch_cpu.so exports the function, so a
 * definition loaded into the global symbol scope before libtorch takes precedence over MKL's own. MKL then chooses
 * its code path from the CPU's feature flags (CPUID) as it does on Intel CPUs: AVX-512 where the CPU has it, AVX2
 * where it does not. Microsoft.ML.Gan loads this library on AMD x86-64 Linux only (MklFastPath.cs).
 */
int mkl_serv_intel_cpu_true(void)
{
    return 1;
}
