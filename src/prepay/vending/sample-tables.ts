/**
 * The public EA07 *sample* table set: the values every public write-up of
 * STS uses (e.g. the "Let's demystify that 20-digit utility token" articles
 * and paadevelopments/sts_ea07_da07). They are NOT the production tables
 * (those are licensed by the STS Association and provisioned per meter at
 * manufacture); tokens made with them are accepted only by a meter
 * provisioned with this set (tests, simulator). Their SHA-256 fingerprints
 * match `staTableFingerprints.sample` in ../shared/vectors/sts/sts-vectors.json
 * (checked by host-tests/prepay/sta.test.ts).
 */
import type { StaTables } from "../sta.js";

export const SAMPLE_STA_TABLES: StaTables = Object.freeze({
  sub1: Object.freeze([12, 10, 8, 4, 3, 15, 0, 2, 14, 1, 5, 13, 6, 9, 7, 11]),
  sub2: Object.freeze([6, 9, 7, 4, 3, 10, 12, 14, 2, 13, 1, 15, 0, 11, 8, 5]),
  perm: Object.freeze([
    29, 27, 34, 9, 16, 62, 55, 2, 40, 49, 38, 25, 33, 61, 30, 23, 1, 41, 21, 57, 42, 15, 5, 58, 19, 53, 22, 17, 48, 28, 24, 39, 3, 60, 36, 14, 11, 52, 54, 12, 31, 51, 10, 26, 0, 45,
    37, 43, 44, 6, 59, 4, 7, 35, 56, 50, 13, 18, 32, 47, 46, 63, 20, 8,
  ]),
});
