// SPDX-License-Identifier: GPL-3.0
/*
    Copyright 2021 0KIMS association.

    This file is generated with [snarkJS](https://github.com/iden3/snarkjs).

    snarkJS is a free software: you can redistribute it and/or modify it
    under the terms of the GNU General Public License as published by
    the Free Software Foundation, either version 3 of the License, or
    (at your option) any later version.

    snarkJS is distributed in the hope that it will be useful, but WITHOUT
    ANY WARRANTY; without even the implied warranty of MERCHANTABILITY
    or FITNESS FOR A PARTICULAR PURPOSE. See the GNU General Public
    License for more details.

    You should have received a copy of the GNU General Public License
    along with snarkJS. If not, see <https://www.gnu.org/licenses/>.
*/

pragma solidity >=0.7.0 <0.9.0;

contract ClassifierPublicVerifier {
    // Scalar field size
    uint256 constant r    = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
    // Base field size
    uint256 constant q   = 21888242871839275222246405745257275088696311157297823662689037894645226208583;

    // Verification Key data
    uint256 constant alphax  = 20023132099246098562584461149731327290657892025513862765404744527446276056039;
    uint256 constant alphay  = 18807840272764830412737970735867189290202860302155571843792769792377481672208;
    uint256 constant betax1  = 12835800794787936845801482344822686939850241947305555197752585439123357131277;
    uint256 constant betax2  = 2019884469294647123385712867637843871701383935847458594715093256952469531389;
    uint256 constant betay1  = 17292927416796397868194307619162482091187867674263018902753690165415909799418;
    uint256 constant betay2  = 14387488368367566063873983020713717429245075337933823341111049055564323421371;
    uint256 constant gammax1 = 11559732032986387107991004021392285783925812861821192530917403151452391805634;
    uint256 constant gammax2 = 10857046999023057135944570762232829481370756359578518086990519993285655852781;
    uint256 constant gammay1 = 4082367875863433681332203403145435568316851327593401208105741076214120093531;
    uint256 constant gammay2 = 8495653923123431417604973247489272438418190587263600148770280649306958101930;
    uint256 constant deltax1 = 19875202744651271713774948791783498020673597309745835498902301025808182008343;
    uint256 constant deltax2 = 17267270559298895418431694797995889038700716999098120726900238036630006380030;
    uint256 constant deltay1 = 2159946888942858128005080356775795142703483604143667127221780769242229876969;
    uint256 constant deltay2 = 21817573556572590249206131267153101875165011235351313526872441168487509879147;

    
    uint256 constant IC0x = 3709997110567141800836491444963134485715571495437131577286981582855493593366;
    uint256 constant IC0y = 14561963559962345528858353802388280133522477296846825407027973059248328587332;
    
    uint256 constant IC1x = 19515628952646928033569128122854627416126688255694944070108437221273238612878;
    uint256 constant IC1y = 2400302075514977140170084500502503108451956962351594918811762065334580652323;
    
    uint256 constant IC2x = 8196691096203315750971755642617914787666011827319837917232374827223006100647;
    uint256 constant IC2y = 1580497053507811377045410356844102828026682546764581886081758168651908037408;
    
    uint256 constant IC3x = 11856473920596811317049493741468798774222751011370852088594324416594613554008;
    uint256 constant IC3y = 20287176735889522455110385369307864132416309591437189571981466230599192628749;
    
    uint256 constant IC4x = 18162933886645169640219666388519321131933609885725649420022401620566014705834;
    uint256 constant IC4y = 21660751657194631338620152128141223783752717399724383178077232621215129076920;
    
    uint256 constant IC5x = 1343497279966771174726787846881522519256624383163997262813550002084295409990;
    uint256 constant IC5y = 593055689021867566436451413772005719345348955172506396133262808170024040159;
    
    uint256 constant IC6x = 8411878143338191726154240033167247776593671554972684928788876268146749212166;
    uint256 constant IC6y = 17289414315341062442661901139978778501065498261506092822957776835589110505163;
    
    uint256 constant IC7x = 4747513511015620501296002149843560069765370414852370958218710147503602353783;
    uint256 constant IC7y = 18397104261839454878209345873906510363213154746473026086615866568128068373881;
    
    uint256 constant IC8x = 4986867158136979387537372828034970905153799402829712595088683082472413811782;
    uint256 constant IC8y = 15748017091858669095020870715075776352413922105227308564548304611217905660991;
    
    uint256 constant IC9x = 4363775226060375562747753660151819074731074827453843071258255813095258368288;
    uint256 constant IC9y = 19518881822733855671999819065210910065447375383235215258768570124983885032690;
    
    uint256 constant IC10x = 1677382904588021870177284048244512172757194811366433533592481106135176302348;
    uint256 constant IC10y = 7816841080859875850337971851781831667726068238076724061250280117521936195559;
    
    uint256 constant IC11x = 7282101470060841007288294240147356143001905663763949201063854867332710745762;
    uint256 constant IC11y = 8684113341323631648382102719015540836690539363550196027553043002852610815404;
    
    uint256 constant IC12x = 227775077638097584281518377332103284716476429005758687065063374987811862350;
    uint256 constant IC12y = 4025700234522222711270245235123691545004682731737966392746114482169092177504;
    
    uint256 constant IC13x = 12983347514103434854998127066923622281557206396167022892534484386326543989396;
    uint256 constant IC13y = 14649264310298960185230290886034898088724604961269858614442839887539864419233;
    
    uint256 constant IC14x = 15402379906556586359972259833982100992528288878934073964626219914821885487530;
    uint256 constant IC14y = 20467607796809501915077011932744702527421536419274562029259155293974755345690;
    
    uint256 constant IC15x = 9377511292553733111052737833183697164456326265689660237798362490217849890332;
    uint256 constant IC15y = 5200230396215328397612468566348279184341295668291482369167354253382402797033;
    
    uint256 constant IC16x = 16993684689569802631943341624729606212387266461728250298217059424475843523980;
    uint256 constant IC16y = 13854826869653917715372781893591278516990178458275082943658131805449543158944;
    
    uint256 constant IC17x = 11653196460567670296673319861958980491317447326688133645438524883388428432180;
    uint256 constant IC17y = 21253888221108822750022154600998999684932695855570524835945818477940169346905;
    
    uint256 constant IC18x = 13751920205308815582331294002987982810319592110869541955630406363615099951001;
    uint256 constant IC18y = 2122024120761643914615470908197187756182750461736877027563203473292486640581;
    
    uint256 constant IC19x = 15787116324065536843510239517189217939240244486017812865214708859120858168281;
    uint256 constant IC19y = 7050022313639750399306089443175254388897266896848560531847925946232747150242;
    
    uint256 constant IC20x = 17211853058158326925709894311159909374519047630840450469407061708850772588806;
    uint256 constant IC20y = 13324167790158108802648396625492639456746802303887439835019614348129199860595;
    
    uint256 constant IC21x = 2365432483686598408164559814366045711970623417061336316218251476092111806208;
    uint256 constant IC21y = 9741883716954264634677058109522765481764391502362863258366630197902729127380;
    
    uint256 constant IC22x = 9739626428622349533796926710638360122784263972071423419230321008349617782106;
    uint256 constant IC22y = 18080647784558253465579245871525357479387419129417123106759154983449187713838;
    
    uint256 constant IC23x = 6126402172990298319616613347803874921776368452764705767114338997034410438744;
    uint256 constant IC23y = 5018435977132874912495340446969330374162240169015609590228947750528455940982;
    
    uint256 constant IC24x = 17489646795180233392488652803585851736715636449801477987514777934543956868881;
    uint256 constant IC24y = 1338825162891759629986769432182758376999311048370570636324823859828767914433;
    
    uint256 constant IC25x = 14104656342894423822757277376645557957902749383240965485242958043424593228241;
    uint256 constant IC25y = 2590190474924190239647946141798059916128501685684484117852980208376971580726;
    
    uint256 constant IC26x = 7596165093934386736581982347462995480075851290142547995761265140128677921917;
    uint256 constant IC26y = 18556752616669464036386798883523400239786477767992096883448618427808338164071;
    
    uint256 constant IC27x = 5925811108628729834963523072192373252137046349512208166879345902373908572548;
    uint256 constant IC27y = 17577356494312744138255310783089306267418907375572025526825973106731747241779;
    
    uint256 constant IC28x = 16990396680766081454024489111686900315992585228600568638286382660974449616921;
    uint256 constant IC28y = 3022871034059256478665963405579638826273818471313569620941492053228495017783;
    
    uint256 constant IC29x = 12629401923952459797473591184646016539685119414279761215711732982306239365410;
    uint256 constant IC29y = 12179882856065863210387343330009906360889482302314365697687527181491521450730;
    
    uint256 constant IC30x = 4922858148765202437098892271496157823922282922800831602279055118487344252585;
    uint256 constant IC30y = 5629819007622696474400184232181202524554271080983568118798843981450484648461;
    
    uint256 constant IC31x = 2195771037305341749471481205228509125361004631668290404952458631570923698898;
    uint256 constant IC31y = 16451254447103976650485051144925464462710863472873337024544649223907645020155;
    
    uint256 constant IC32x = 5788293122060109865070167922000138669066776122663489781020735512508098213088;
    uint256 constant IC32y = 5987047158662852792018038728218975791999935685624099366167772498748989753377;
    
    uint256 constant IC33x = 10530324362132900071456121035477951245710192995409894450855876893125831122043;
    uint256 constant IC33y = 12354007093008796595953494645747660218584976791773280082225735051554907826205;
    
    uint256 constant IC34x = 15049455174416448549298798583987968457304656592530683128238823888887411261687;
    uint256 constant IC34y = 4621269351193796836947490824335441728716837701161013834469416463127611949576;
    
    uint256 constant IC35x = 19373507533067035666070828361947617681727365610916891537017715979246469773304;
    uint256 constant IC35y = 79645152943985678038484856678280930730245591126564873098774106033731384826;
    
    uint256 constant IC36x = 7257147179442626569112433998256951193190253569642365108366660811202920371906;
    uint256 constant IC36y = 17692475515437328636027822250646821988042618750269051936394384528092192968291;
    
    uint256 constant IC37x = 10677383962796278292244879424759693288301731434784270959661307344641482595871;
    uint256 constant IC37y = 2852872736794574187408615661474308989511668444936225050457438161327240188755;
    
    uint256 constant IC38x = 10050186576899064181317555831034520062064333311531763908018257901837543189595;
    uint256 constant IC38y = 2715484160490151518120149968488434818999860257081253217119380889720744881565;
    
    uint256 constant IC39x = 20074225692844959852499532324535394695351449656093832739964365984641957911873;
    uint256 constant IC39y = 1519722220838898502359015051130966617257158536896317851460322358222095267740;
    
    uint256 constant IC40x = 8497907622454361566322660936313385110010733199250907132985859592988260785001;
    uint256 constant IC40y = 4996067109122019303160120004276742005801561325927807531791579478564939944013;
    
    uint256 constant IC41x = 4398621002418355495247108102604570153284647538121695391379453640859171037818;
    uint256 constant IC41y = 3443559088918378602366534767959545914152341905690865498567008165594077809747;
    
    uint256 constant IC42x = 13827767832878512030037043165259449844360096148759600026172840803073000061650;
    uint256 constant IC42y = 3195750862145656935581076136640501620988239544768398038620811580470702374644;
    
    uint256 constant IC43x = 21845455759699107668729985322567245427822973688491752845336100723837210262034;
    uint256 constant IC43y = 15190552188260663683408778026074076790246759663736687757640261093943906805518;
    
    uint256 constant IC44x = 9362297842137474926634957286672437691262828096776402658324901414691186134798;
    uint256 constant IC44y = 8369295407345517156839849242282403082682967838397297067649653058268857846826;
    
    uint256 constant IC45x = 15512391327503077884359414370783129975509273767712064434508734828131787131717;
    uint256 constant IC45y = 3750103710972450858753813848486584701078131613882344546666531487471690226522;
    
    uint256 constant IC46x = 5277037567179453032896946459844793710400252453278392214245200981029187885836;
    uint256 constant IC46y = 15732770452472318059619386762912854352482930260215582829043403390394929225881;
    
    uint256 constant IC47x = 10408487705050690658795684798269931414358362712363667887456850136882811160971;
    uint256 constant IC47y = 8454593819744500423735777994687677903956536012784017522172213889576136073145;
    
    uint256 constant IC48x = 4695936196867514372201549764104951531178776730961872809720737983230451009726;
    uint256 constant IC48y = 12917292849565047474581889662716040555752659962283938368339574510066928119347;
    
    uint256 constant IC49x = 13641357830901520323669159809688307384922025333821319655832426121917915084138;
    uint256 constant IC49y = 16811187813709229719269735535242415602739709624248160842941695565391628146993;
    
    uint256 constant IC50x = 3775734626770795296836011334790481634673497299024999870996799928259193184397;
    uint256 constant IC50y = 10716692307483903782820762547232774157945662294814324744397936015793484895804;
    
    uint256 constant IC51x = 5467408476881245280198763179281154749071683863495671904523878222929796794125;
    uint256 constant IC51y = 7664345641705521309917987423628012136372455274200661217171598362910084736566;
    
    uint256 constant IC52x = 21601702322916947115252308844046744212893403820915670456901322294442035197397;
    uint256 constant IC52y = 13142984697345406602557470950405172520685677232673480561111535270181632948704;
    
    uint256 constant IC53x = 8641559512469043403547195625809923024908415577332187155217927947439195818582;
    uint256 constant IC53y = 5640328593655569587972765099189350216457018874794639030815797551128581090749;
    
    uint256 constant IC54x = 9386175520724722481345308339477085279201478829932950007386537500198188249584;
    uint256 constant IC54y = 21423897455022535049893024205303867582909195277705590938363913829413187454111;
    
    uint256 constant IC55x = 3958876727452322848026576332046005741319515543431818387348523633100140248649;
    uint256 constant IC55y = 8236816863686993529095805435771173017427515873599726160909251257533531947605;
    
    uint256 constant IC56x = 1823963589511615211166900327965233422799786214394159260208883587255691278662;
    uint256 constant IC56y = 15412319472857145230769892379181598891201589870070921664885099440508093941083;
    
    uint256 constant IC57x = 9317385147745820022506553133612607115038689766573274655889469855929917020042;
    uint256 constant IC57y = 9803534725452645310055235757880779557647192191711123181934500439977271143356;
    
    uint256 constant IC58x = 2871743814136325781446615868867852437804704618350952566629146839598775556478;
    uint256 constant IC58y = 4080533253493225374089831775943791723834714218933683572051104484184665581724;
    
    uint256 constant IC59x = 6707857235835213694682748834033704419516103421592764109083858701773931551744;
    uint256 constant IC59y = 19960878383879960692133902559810674545885532879936796814900041615830885961746;
    
    uint256 constant IC60x = 12125115599291415968831975809936487621779831833657815591552000809155766370619;
    uint256 constant IC60y = 6340469063023351666294342790811126568730935329209348712843755072600498721647;
    
 
    // Memory data
    uint16 constant pVk = 0;
    uint16 constant pPairing = 128;

    uint16 constant pLastMem = 896;

    function verifyProof(uint[2] calldata _pA, uint[2][2] calldata _pB, uint[2] calldata _pC, uint[60] calldata _pubSignals) public view returns (bool) {
        assembly {
            function checkField(v) {
                if iszero(lt(v, r)) {
                    mstore(0, 0)
                    return(0, 0x20)
                }
            }
            
            // G1 function to multiply a G1 value(x,y) to value in an address
            function g1_mulAccC(pR, x, y, s) {
                let success
                let mIn := mload(0x40)
                mstore(mIn, x)
                mstore(add(mIn, 32), y)
                mstore(add(mIn, 64), s)

                success := staticcall(sub(gas(), 2000), 7, mIn, 96, mIn, 64)

                if iszero(success) {
                    mstore(0, 0)
                    return(0, 0x20)
                }

                mstore(add(mIn, 64), mload(pR))
                mstore(add(mIn, 96), mload(add(pR, 32)))

                success := staticcall(sub(gas(), 2000), 6, mIn, 128, pR, 64)

                if iszero(success) {
                    mstore(0, 0)
                    return(0, 0x20)
                }
            }

            function checkPairing(pA, pB, pC, pubSignals, pMem) -> isOk {
                let _pPairing := add(pMem, pPairing)
                let _pVk := add(pMem, pVk)

                mstore(_pVk, IC0x)
                mstore(add(_pVk, 32), IC0y)

                // Compute the linear combination vk_x
                
                g1_mulAccC(_pVk, IC1x, IC1y, calldataload(add(pubSignals, 0)))
                
                g1_mulAccC(_pVk, IC2x, IC2y, calldataload(add(pubSignals, 32)))
                
                g1_mulAccC(_pVk, IC3x, IC3y, calldataload(add(pubSignals, 64)))
                
                g1_mulAccC(_pVk, IC4x, IC4y, calldataload(add(pubSignals, 96)))
                
                g1_mulAccC(_pVk, IC5x, IC5y, calldataload(add(pubSignals, 128)))
                
                g1_mulAccC(_pVk, IC6x, IC6y, calldataload(add(pubSignals, 160)))
                
                g1_mulAccC(_pVk, IC7x, IC7y, calldataload(add(pubSignals, 192)))
                
                g1_mulAccC(_pVk, IC8x, IC8y, calldataload(add(pubSignals, 224)))
                
                g1_mulAccC(_pVk, IC9x, IC9y, calldataload(add(pubSignals, 256)))
                
                g1_mulAccC(_pVk, IC10x, IC10y, calldataload(add(pubSignals, 288)))
                
                g1_mulAccC(_pVk, IC11x, IC11y, calldataload(add(pubSignals, 320)))
                
                g1_mulAccC(_pVk, IC12x, IC12y, calldataload(add(pubSignals, 352)))
                
                g1_mulAccC(_pVk, IC13x, IC13y, calldataload(add(pubSignals, 384)))
                
                g1_mulAccC(_pVk, IC14x, IC14y, calldataload(add(pubSignals, 416)))
                
                g1_mulAccC(_pVk, IC15x, IC15y, calldataload(add(pubSignals, 448)))
                
                g1_mulAccC(_pVk, IC16x, IC16y, calldataload(add(pubSignals, 480)))
                
                g1_mulAccC(_pVk, IC17x, IC17y, calldataload(add(pubSignals, 512)))
                
                g1_mulAccC(_pVk, IC18x, IC18y, calldataload(add(pubSignals, 544)))
                
                g1_mulAccC(_pVk, IC19x, IC19y, calldataload(add(pubSignals, 576)))
                
                g1_mulAccC(_pVk, IC20x, IC20y, calldataload(add(pubSignals, 608)))
                
                g1_mulAccC(_pVk, IC21x, IC21y, calldataload(add(pubSignals, 640)))
                
                g1_mulAccC(_pVk, IC22x, IC22y, calldataload(add(pubSignals, 672)))
                
                g1_mulAccC(_pVk, IC23x, IC23y, calldataload(add(pubSignals, 704)))
                
                g1_mulAccC(_pVk, IC24x, IC24y, calldataload(add(pubSignals, 736)))
                
                g1_mulAccC(_pVk, IC25x, IC25y, calldataload(add(pubSignals, 768)))
                
                g1_mulAccC(_pVk, IC26x, IC26y, calldataload(add(pubSignals, 800)))
                
                g1_mulAccC(_pVk, IC27x, IC27y, calldataload(add(pubSignals, 832)))
                
                g1_mulAccC(_pVk, IC28x, IC28y, calldataload(add(pubSignals, 864)))
                
                g1_mulAccC(_pVk, IC29x, IC29y, calldataload(add(pubSignals, 896)))
                
                g1_mulAccC(_pVk, IC30x, IC30y, calldataload(add(pubSignals, 928)))
                
                g1_mulAccC(_pVk, IC31x, IC31y, calldataload(add(pubSignals, 960)))
                
                g1_mulAccC(_pVk, IC32x, IC32y, calldataload(add(pubSignals, 992)))
                
                g1_mulAccC(_pVk, IC33x, IC33y, calldataload(add(pubSignals, 1024)))
                
                g1_mulAccC(_pVk, IC34x, IC34y, calldataload(add(pubSignals, 1056)))
                
                g1_mulAccC(_pVk, IC35x, IC35y, calldataload(add(pubSignals, 1088)))
                
                g1_mulAccC(_pVk, IC36x, IC36y, calldataload(add(pubSignals, 1120)))
                
                g1_mulAccC(_pVk, IC37x, IC37y, calldataload(add(pubSignals, 1152)))
                
                g1_mulAccC(_pVk, IC38x, IC38y, calldataload(add(pubSignals, 1184)))
                
                g1_mulAccC(_pVk, IC39x, IC39y, calldataload(add(pubSignals, 1216)))
                
                g1_mulAccC(_pVk, IC40x, IC40y, calldataload(add(pubSignals, 1248)))
                
                g1_mulAccC(_pVk, IC41x, IC41y, calldataload(add(pubSignals, 1280)))
                
                g1_mulAccC(_pVk, IC42x, IC42y, calldataload(add(pubSignals, 1312)))
                
                g1_mulAccC(_pVk, IC43x, IC43y, calldataload(add(pubSignals, 1344)))
                
                g1_mulAccC(_pVk, IC44x, IC44y, calldataload(add(pubSignals, 1376)))
                
                g1_mulAccC(_pVk, IC45x, IC45y, calldataload(add(pubSignals, 1408)))
                
                g1_mulAccC(_pVk, IC46x, IC46y, calldataload(add(pubSignals, 1440)))
                
                g1_mulAccC(_pVk, IC47x, IC47y, calldataload(add(pubSignals, 1472)))
                
                g1_mulAccC(_pVk, IC48x, IC48y, calldataload(add(pubSignals, 1504)))
                
                g1_mulAccC(_pVk, IC49x, IC49y, calldataload(add(pubSignals, 1536)))
                
                g1_mulAccC(_pVk, IC50x, IC50y, calldataload(add(pubSignals, 1568)))
                
                g1_mulAccC(_pVk, IC51x, IC51y, calldataload(add(pubSignals, 1600)))
                
                g1_mulAccC(_pVk, IC52x, IC52y, calldataload(add(pubSignals, 1632)))
                
                g1_mulAccC(_pVk, IC53x, IC53y, calldataload(add(pubSignals, 1664)))
                
                g1_mulAccC(_pVk, IC54x, IC54y, calldataload(add(pubSignals, 1696)))
                
                g1_mulAccC(_pVk, IC55x, IC55y, calldataload(add(pubSignals, 1728)))
                
                g1_mulAccC(_pVk, IC56x, IC56y, calldataload(add(pubSignals, 1760)))
                
                g1_mulAccC(_pVk, IC57x, IC57y, calldataload(add(pubSignals, 1792)))
                
                g1_mulAccC(_pVk, IC58x, IC58y, calldataload(add(pubSignals, 1824)))
                
                g1_mulAccC(_pVk, IC59x, IC59y, calldataload(add(pubSignals, 1856)))
                
                g1_mulAccC(_pVk, IC60x, IC60y, calldataload(add(pubSignals, 1888)))
                

                // -A
                mstore(_pPairing, calldataload(pA))
                mstore(add(_pPairing, 32), mod(sub(q, calldataload(add(pA, 32))), q))

                // B
                mstore(add(_pPairing, 64), calldataload(pB))
                mstore(add(_pPairing, 96), calldataload(add(pB, 32)))
                mstore(add(_pPairing, 128), calldataload(add(pB, 64)))
                mstore(add(_pPairing, 160), calldataload(add(pB, 96)))

                // alpha1
                mstore(add(_pPairing, 192), alphax)
                mstore(add(_pPairing, 224), alphay)

                // beta2
                mstore(add(_pPairing, 256), betax1)
                mstore(add(_pPairing, 288), betax2)
                mstore(add(_pPairing, 320), betay1)
                mstore(add(_pPairing, 352), betay2)

                // vk_x
                mstore(add(_pPairing, 384), mload(add(pMem, pVk)))
                mstore(add(_pPairing, 416), mload(add(pMem, add(pVk, 32))))


                // gamma2
                mstore(add(_pPairing, 448), gammax1)
                mstore(add(_pPairing, 480), gammax2)
                mstore(add(_pPairing, 512), gammay1)
                mstore(add(_pPairing, 544), gammay2)

                // C
                mstore(add(_pPairing, 576), calldataload(pC))
                mstore(add(_pPairing, 608), calldataload(add(pC, 32)))

                // delta2
                mstore(add(_pPairing, 640), deltax1)
                mstore(add(_pPairing, 672), deltax2)
                mstore(add(_pPairing, 704), deltay1)
                mstore(add(_pPairing, 736), deltay2)


                let success := staticcall(sub(gas(), 2000), 8, _pPairing, 768, _pPairing, 0x20)

                isOk := and(success, mload(_pPairing))
            }

            let pMem := mload(0x40)
            mstore(0x40, add(pMem, pLastMem))

            // Validate that all evaluations ∈ F
            
            checkField(calldataload(add(_pubSignals, 0)))
            
            checkField(calldataload(add(_pubSignals, 32)))
            
            checkField(calldataload(add(_pubSignals, 64)))
            
            checkField(calldataload(add(_pubSignals, 96)))
            
            checkField(calldataload(add(_pubSignals, 128)))
            
            checkField(calldataload(add(_pubSignals, 160)))
            
            checkField(calldataload(add(_pubSignals, 192)))
            
            checkField(calldataload(add(_pubSignals, 224)))
            
            checkField(calldataload(add(_pubSignals, 256)))
            
            checkField(calldataload(add(_pubSignals, 288)))
            
            checkField(calldataload(add(_pubSignals, 320)))
            
            checkField(calldataload(add(_pubSignals, 352)))
            
            checkField(calldataload(add(_pubSignals, 384)))
            
            checkField(calldataload(add(_pubSignals, 416)))
            
            checkField(calldataload(add(_pubSignals, 448)))
            
            checkField(calldataload(add(_pubSignals, 480)))
            
            checkField(calldataload(add(_pubSignals, 512)))
            
            checkField(calldataload(add(_pubSignals, 544)))
            
            checkField(calldataload(add(_pubSignals, 576)))
            
            checkField(calldataload(add(_pubSignals, 608)))
            
            checkField(calldataload(add(_pubSignals, 640)))
            
            checkField(calldataload(add(_pubSignals, 672)))
            
            checkField(calldataload(add(_pubSignals, 704)))
            
            checkField(calldataload(add(_pubSignals, 736)))
            
            checkField(calldataload(add(_pubSignals, 768)))
            
            checkField(calldataload(add(_pubSignals, 800)))
            
            checkField(calldataload(add(_pubSignals, 832)))
            
            checkField(calldataload(add(_pubSignals, 864)))
            
            checkField(calldataload(add(_pubSignals, 896)))
            
            checkField(calldataload(add(_pubSignals, 928)))
            
            checkField(calldataload(add(_pubSignals, 960)))
            
            checkField(calldataload(add(_pubSignals, 992)))
            
            checkField(calldataload(add(_pubSignals, 1024)))
            
            checkField(calldataload(add(_pubSignals, 1056)))
            
            checkField(calldataload(add(_pubSignals, 1088)))
            
            checkField(calldataload(add(_pubSignals, 1120)))
            
            checkField(calldataload(add(_pubSignals, 1152)))
            
            checkField(calldataload(add(_pubSignals, 1184)))
            
            checkField(calldataload(add(_pubSignals, 1216)))
            
            checkField(calldataload(add(_pubSignals, 1248)))
            
            checkField(calldataload(add(_pubSignals, 1280)))
            
            checkField(calldataload(add(_pubSignals, 1312)))
            
            checkField(calldataload(add(_pubSignals, 1344)))
            
            checkField(calldataload(add(_pubSignals, 1376)))
            
            checkField(calldataload(add(_pubSignals, 1408)))
            
            checkField(calldataload(add(_pubSignals, 1440)))
            
            checkField(calldataload(add(_pubSignals, 1472)))
            
            checkField(calldataload(add(_pubSignals, 1504)))
            
            checkField(calldataload(add(_pubSignals, 1536)))
            
            checkField(calldataload(add(_pubSignals, 1568)))
            
            checkField(calldataload(add(_pubSignals, 1600)))
            
            checkField(calldataload(add(_pubSignals, 1632)))
            
            checkField(calldataload(add(_pubSignals, 1664)))
            
            checkField(calldataload(add(_pubSignals, 1696)))
            
            checkField(calldataload(add(_pubSignals, 1728)))
            
            checkField(calldataload(add(_pubSignals, 1760)))
            
            checkField(calldataload(add(_pubSignals, 1792)))
            
            checkField(calldataload(add(_pubSignals, 1824)))
            
            checkField(calldataload(add(_pubSignals, 1856)))
            
            checkField(calldataload(add(_pubSignals, 1888)))
            

            // Validate all evaluations
            let isValid := checkPairing(_pA, _pB, _pC, _pubSignals, pMem)

            mstore(0, isValid)
             return(0, 0x20)
         }
     }
 }
