package segur

// DelaiSignature is the signing period of a convention d'attribution, in
// days from its issue (process.md, step 2: a convention is signed by the
// vendor before any payment): the convention states it, and once it has
// passed an instructor may withdraw the offer (ActionRetirer).
const DelaiSignature = 30
