// The version of cutline (and of its engine) that manifests record and `cutline --version` prints; a test keeps it equal to package.json's.
export const cutlineVersion = '0.1.0';
