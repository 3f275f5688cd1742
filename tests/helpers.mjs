// Small helpers the test files share.

/** Runs fn with stdout swallowed: lib's display helpers print tslab display markers that would clutter the TAP output. */
export const quietly = (fn) => {
  const write = process.stdout.write;
  process.stdout.write = () => true;
  try {
    return fn();
  } finally {
    process.stdout.write = write;
  }
};
