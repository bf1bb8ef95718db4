// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title SpecterRegistry
/// @notice Records SPECTER model commitments and accepts Groth16 proofs of inference against them.
/// A model commitment names one circuit: its verifier contract (snarkjs-exported, so the verifying
/// key lives in the verifier's code) and its number of public signals. For circuits whose weights
/// are private inputs, the commitment is also a public signal (the Poseidon hash of the bit-packed
/// weights) and the registry checks that the proof is about exactly that commitment.
/// Every accepted statement (commitment + public signals) is recorded, so a replayed proof, or a
/// re-randomised copy of it (Groth16 proofs are malleable), is rejected.
contract SpecterRegistry {
    /// Everything submitProof reads fits the first slot (20 + 4 + 4 + 4 bytes), so a submission pays
    /// one cold storage read for its model, not two; the owner, only read by views, takes the second.
    struct Model {
        address verifier;
        uint32 publicSignals;
        /// Index of the public signal that must equal the commitment, or NO_SIGNAL.
        uint32 commitmentSignal;
        bytes4 selector;
        address owner;
    }

    uint32 public constant NO_SIGNAL = type(uint32).max;

    mapping(bytes32 => Model) private models;
    /// keccak256(modelCommitment, publicSignals) of every accepted proof.
    mapping(bytes32 => bool) public accepted;

    event ModelRegistered(
        bytes32 indexed modelCommitment, address indexed verifier, address indexed owner, uint32 publicSignals, uint32 commitmentSignal
    );
    /// @notice Emitted once per accepted statement; task settlement and slashing consume it.
    event InferenceVerified(
        bytes32 indexed modelCommitment, bytes32 indexed statement, address indexed prover, uint256[] publicSignals
    );

    error ModelExists(bytes32 modelCommitment);
    error UnknownModel(bytes32 modelCommitment);
    error NoVerifierCode(address verifier);
    error BadSignalCount(uint256 expected, uint256 got);
    error BadCommitmentSignal(uint32 index, uint32 publicSignals);
    error CommitmentMismatch(bytes32 modelCommitment, uint256 signal);
    error SignalOutOfField(uint256 index);
    error Replayed(bytes32 statement);
    error InvalidProof(bytes32 modelCommitment);

    uint256 private constant FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617;

    function registerModel(bytes32 modelCommitment, address verifier, uint32 publicSignals, uint32 commitmentSignal)
        external
    {
        if (models[modelCommitment].verifier != address(0)) revert ModelExists(modelCommitment);
        if (verifier.code.length == 0) revert NoVerifierCode(verifier);
        if (publicSignals == 0) revert BadSignalCount(1, 0);
        if (commitmentSignal != NO_SIGNAL && commitmentSignal >= publicSignals) {
            revert BadCommitmentSignal(commitmentSignal, publicSignals);
        }
        bytes4 selector = bytes4(
            keccak256(
                abi.encodePacked(
                    "verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[", _decimal(publicSignals), "])"
                )
            )
        );
        models[modelCommitment] = Model(verifier, publicSignals, commitmentSignal, selector, msg.sender);
        emit ModelRegistered(modelCommitment, verifier, msg.sender, publicSignals, commitmentSignal);
    }

    function model(bytes32 modelCommitment)
        external
        view
        returns (address verifier, uint32 publicSignals, uint32 commitmentSignal, address owner)
    {
        Model storage m = models[modelCommitment];
        return (m.verifier, m.publicSignals, m.commitmentSignal, m.owner);
    }

    /// @notice The statement key a proof of `publicSignals` under `modelCommitment` is recorded by.
    function statementOf(bytes32 modelCommitment, uint256[] calldata publicSignals) public pure returns (bytes32) {
        return keccak256(abi.encode(modelCommitment, publicSignals));
    }

    /// @notice Verifies `proof` = (a, b, c) flattened as snarkjs' exportSolidityCallData orders it:
    /// [a0, a1, b00, b01, b10, b11, c0, c1]. Reverts unless the proof is valid and new.
    function submitProof(bytes32 modelCommitment, uint256[] calldata publicSignals, uint256[8] calldata proof)
        external
        returns (bytes32 statement)
    {
        Model storage m = models[modelCommitment];
        if (m.verifier == address(0)) revert UnknownModel(modelCommitment);
        if (publicSignals.length != m.publicSignals) revert BadSignalCount(m.publicSignals, publicSignals.length);
        for (uint256 i = 0; i < publicSignals.length; i++) {
            if (publicSignals[i] >= FIELD) revert SignalOutOfField(i);
        }
        if (m.commitmentSignal != NO_SIGNAL && publicSignals[m.commitmentSignal] != uint256(modelCommitment)) {
            revert CommitmentMismatch(modelCommitment, publicSignals[m.commitmentSignal]);
        }
        statement = statementOf(modelCommitment, publicSignals);
        if (accepted[statement]) revert Replayed(statement);
        (bool ok, bytes memory ret) =
            m.verifier.staticcall(abi.encodePacked(m.selector, abi.encodePacked(proof), abi.encodePacked(publicSignals)));
        if (!ok || ret.length != 32 || abi.decode(ret, (bool)) != true) revert InvalidProof(modelCommitment);
        accepted[statement] = true;
        emit InferenceVerified(modelCommitment, statement, msg.sender, publicSignals);
    }

    function _decimal(uint256 v) private pure returns (bytes memory out) {
        if (v == 0) return "0";
        uint256 len;
        for (uint256 t = v; t != 0; t /= 10) len++;
        out = new bytes(len);
        for (; v != 0; v /= 10) out[--len] = bytes1(uint8(48 + (v % 10)));
    }
}
